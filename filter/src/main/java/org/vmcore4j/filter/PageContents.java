package org.vmcore4j.filter;

import java.util.Locale;
import java.io.IOException;
import java.util.Arrays;

import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Page contents for exclude_zero_pages' test: runs of contiguous pages read with one call (a run
 * that fails is read again page by page, so the error names the page), then tested for zeros.
 */
final class PageContents {
    private final String resource;
    private final PhysicalMemory memory;
    private final int pageSize;
    private final int pageShift;
    private final byte[] pageBuf;
    private final byte[] zeroPage;

    /** {@code runPages}: the most pages read at once; {@code testsZeros} false allocates nothing. */
    PageContents(String resource, PhysicalMemory memory, int runPages, boolean testsZeros) {
        this.resource = resource;
        this.memory = memory;
        this.pageSize = memory.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        pageBuf = new byte[runPages * pageSize];
        zeroPage = new byte[testsZeros ? pageSize : 0];
    }

    /** The most pages {@link #read} takes at once. */
    int maxRun() {
        return pageBuf.length / pageSize;
    }

    /** Whether the {@code i}th page of the last {@link #read} is all zeros. */
    boolean isZero(int i) {
        int off = i * pageSize;
        return Arrays.mismatch(pageBuf, off, off + pageSize, zeroPage, 0, pageSize) < 0;
    }

    /** Reads the {@code run} pages from {@code pfn} on. */
    void read(long pfn, int run) throws IOException {
        try {
            memory.read(pfn << pageShift, pageBuf, 0, run * pageSize);
        } catch (MemoryAccessException e) {
            if (run == 1) {
                throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                        "cannot read page 0x%x to test it for zeros: %s", pfn, e.getMessage()), e);
            }
            for (int i = 0; i < run; i++) {
                readOne(pfn + i, i * pageSize);
            }
        }
    }

    private void readOne(long pfn, int off) throws IOException {
        try {
            memory.read(pfn << pageShift, pageBuf, off, pageSize);
        } catch (MemoryAccessException e) {
            throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                    "cannot read page 0x%x to test it for zeros: %s", pfn, e.getMessage()), e);
        }
    }
}
