package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.UnsupportedDumpException;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Coverage-guided fuzzing of page classification (issue #8): a {@link SyntheticKernel} (one of 16
 * random machines of every kernel generation) whose VMCOREINFO values, struct pages, free-list
 * links and other physical memory the fuzzer overwrites, scanned by {@link PageFilter} at a fuzzed
 * dump level, ends promptly in a clear {@link VmcoreFormatException} (damaged input) or
 * {@link UnsupportedDumpException} (a kernel it cannot classify), or in a result that keeps its
 * invariants ({@link HostileInputProperties#scanSafely}); nothing else escapes.
 *
 * <p>Input framing: [u8 machine][u8 level][u8 options] then edits [u8 op] + operands, see
 * {@link #apply}. Seeds in {@code PageFilterFuzzTestInputs}.
 */
class PageFilterFuzzTest {
    private static final int MACHINES = 16;

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void count(byte[] data) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(data);
        int machine = in.hasRemaining() ? (in.get() & 0xff) % MACHINES : 0;
        int level = in.hasRemaining() ? (in.get() & 0xff) % 32 : 31;
        int options = in.hasRemaining() ? in.get() & 0xff : 0;
        SyntheticKernel k = SyntheticKernel.random(machine, 300);
        FakeDump d = k.build();
        while (in.remaining() >= 2) {
            apply(in, k, d);
        }
        if ((options & 1) == 0) {
            String outcome = HostileInputProperties.scanSafely(d, level, (options & 2) == 0 ? 0 : 1 + (options >>> 2) * 4);
            assertTrue(outcome != null);
        } else {
            PageFilter f = PageFilter.forLevel(level).withZeroPages(ZeroPageHandling.values()[(options >>> 1)
                    % ZeroPageHandling.values().length]);
            try {
                FilterReport r = f.count(d);
                assertTrue(r.dumpablePages() >= 0 && r.dumpablePages() <= r.ramPages(), r.toString());
            } catch (VmcoreFormatException | UnsupportedDumpException e) {
                assertTrue(e.getMessage().contains("fake-dump"), e.getMessage());
            }
        }
    }

    /** One edit: 0 a VMCOREINFO value, 1 a struct page word, 2 a free-list link, 3 any physical word. */
    private static void apply(ByteBuffer in, SyntheticKernel k, FakeDump d) {
        int op = in.get() & 3;
        switch (op) {
            case 0 -> {
                String key = HostileInputProperties.KEYS[(in.get() & 0xff) % HostileInputProperties.KEYS.length];
                int v = in.hasRemaining() ? in.get() & 0xff : 0;
                String value;
                if (v < HostileInputProperties.VALUES.length) {
                    value = HostileInputProperties.VALUES[v];
                } else if (v == 255) {
                    value = null; // drop the key
                } else {
                    int n = Math.min(v - HostileInputProperties.VALUES.length, in.remaining());
                    byte[] b = new byte[n];
                    in.get(b);
                    value = new String(b, StandardCharsets.ISO_8859_1).replace('\n', ' ');
                }
                d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, key, value);
            }
            case 1 -> {
                if (in.remaining() < 13) {
                    in.position(in.limit());
                    return;
                }
                long pfn = Integer.toUnsignedLong(in.getInt()) % k.maxPfn;
                int off = ((in.get() & 0xff) % (SyntheticKernel.SIZE_PAGE / 8)) * 8;
                long value = in.getLong();
                if (k.hasMemMap[(int) pfn]) {
                    d.putLong(SyntheticKernel.structPagePhys(d, pfn) + off, value);
                }
            }
            case 2 -> {
                if (in.remaining() < 10 || k.freeBlocks.isEmpty()) {
                    in.position(in.limit());
                    return;
                }
                int[] block = k.freeBlocks.get((in.get() & 0xff) % k.freeBlocks.size());
                int which = in.get() & 1;
                SyntheticKernel.writeVirtLong(d, SyntheticKernel.structPageVaddr(block[0]) + 8 + 8 * which, in.getLong());
            }
            default -> {
                if (in.remaining() < 12) {
                    in.position(in.limit());
                    return;
                }
                long paddr = (Integer.toUnsignedLong(in.getInt()) % ((long) k.maxPfn * FakeDump.PAGE)) & ~7L;
                d.putLong(paddr, in.getLong());
            }
        }
    }
}
