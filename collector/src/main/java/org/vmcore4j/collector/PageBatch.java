package org.vmcore4j.collector;

import java.io.IOException;

import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.kdump.internal.codec.PageCompressor;

/** A run of pages in PFN order and, once processed, how each is to be stored. */
final class PageBatch {
    /** {@link #lengths} value of a page whose read failed. */
    static final int UNREADABLE = Integer.MIN_VALUE;
    final long[] pfns;
    final String[] errors;
    final byte[] input;
    final byte[] output;
    /** Per page: 0 = all zeros (shared zero page), -1 = raw (input), else compressed length in output. */
    final int[] lengths;
    int count;

    PageBatch(int pages, int pageSize) {
        pfns = new long[pages];
        input = new byte[pages * pageSize];
        output = new byte[pages * pageSize];
        lengths = new int[pages];
        errors = new String[pages];
    }

    void process(Vmcore dump, boolean zeroTest, PageCompressor compressor) throws IOException {
        int ps = compressor.pageSize();
        PhysicalMemory memory = dump.physicalMemory();
        // Consecutive frames are read with one call (one pread of up to a whole batch, not one per page);
        // if that fails, the run is read again page by page so that only the bad pages are skipped.
        for (int i = 0; i < count; ) {
            int run = 1;
            while (i + run < count && pfns[i + run] == pfns[i] + run) {
                run++;
            }
            boolean whole = false;
            if (run > 1) {
                try {
                    memory.read(pfns[i] * ps, input, i * ps, run * ps);
                    whole = true;
                } catch (IOException e) {
                    whole = false;
                }
            }
            for (int j = i; j < i + run; j++) {
                errors[j] = null;
                lengths[j] = 0;
                if (!whole) {
                    try {
                        memory.readPage(pfns[j], input, j * ps);
                    } catch (IOException e) {
                        // reported and skipped, the dump goes on (a bad page of /proc/vmcore must not cost the rest)
                        lengths[j] = UNREADABLE;
                        errors[j] = e.getMessage();
                    }
                }
            }
            i += run;
        }
        for (int i = 0; i < count; i++) {
            int at = i * ps;
            if (lengths[i] == UNREADABLE) {
                continue;
            }
            if (zeroTest && PageFilter.isZeroPage(input, at, ps)) {
                lengths[i] = 0;
            } else {
                lengths[i] = compressor.compress(input, at, output, at);
            }
        }
    }
}
