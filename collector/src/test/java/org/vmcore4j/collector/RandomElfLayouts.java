package org.vmcore4j.collector;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongPredicate;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.PageAgreement;

/**
 * Random ELF cores of the layouts our corpus never has: PT_LOADs starting and ending anywhere in a
 * page, {@code p_filesz < p_memsz}, segments overlapping (file data over file data, zero fill over
 * file data) and leaving holes, data packed or aligned in the file, ELF32 or ELF64, either byte
 * order; and the page views both sides of a conversion are compared with.
 */
final class RandomElfLayouts {
    static final int PS = 4096;

    private RandomElfLayouts() {
    }

    /** One layout: the built core and a line describing its PT_LOADs (for failure messages). */
    record Layout(byte[] bytes, String description) {
    }

    /** A core built from {@code seed}: 1 to 5 PT_LOADs within the first 16 frames. */
    static Layout build(long seed, boolean elf64, ByteOrder order) {
        Random r = new Random(seed);
        ElfCoreBuilder b = elf64 ? ElfCoreBuilder.elf64(order) : ElfCoreBuilder.elf32(order);
        int[] alignments = {1, 8, PS};
        b.dataAlignment(alignments[r.nextInt(alignments.length)]);
        StringBuilder d = new StringBuilder(elf64 ? "ELF64 " : "ELF32 ").append(order).append(':');
        int loads = 1 + r.nextInt(5);
        for (int i = 0; i < loads; i++) {
            long paddr = (long) r.nextInt(12) * PS + (r.nextInt(3) == 0 ? r.nextInt(PS) : 0);
            int filesz = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> PS * (1 + r.nextInt(3));
                default -> 1 + r.nextInt(3 * PS);
            };
            long memsz = filesz + (r.nextInt(3) == 0 ? 1 + r.nextInt(2 * PS) : 0);
            if (memsz == 0) {
                memsz = 1 + r.nextInt(PS);
            }
            b.load(paddr, 0, data(r, filesz), memsz);
            d.append(String.format(Locale.ROOT, " [0x%x filesz 0x%x memsz 0x%x]", paddr, filesz, memsz));
        }
        return new Layout(b.build().bytes(), d.toString());
    }

    /** Bytes in page-sized blocks, each zero, random, or text; a block may also end in zeros. */
    private static byte[] data(Random r, int len) {
        byte[] out = new byte[len];
        for (int at = 0; at < len; at += PS) {
            int n = Math.min(PS, len - at);
            switch (r.nextInt(4)) {
                case 0 -> { }
                case 1 -> {
                    byte[] noise = new byte[n];
                    r.nextBytes(noise);
                    System.arraycopy(noise, 0, out, at, n);
                }
                default -> {
                    int seed = r.nextInt(251);
                    for (int i = 0; i < n; i++) {
                        out[at + i] = (byte) (1 + (seed + i) % 251);
                    }
                }
            }
            if (r.nextInt(4) == 0) {
                int zeroFrom = at + r.nextInt(n);
                java.util.Arrays.fill(out, zeroFrom, at + n, (byte) 0);
            }
        }
        return out;
    }

    /**
     * Our reader's view: the bytes of a PRESENT page, else null (not RAM, lost, or excluded: an ELF
     * frame of zero fill only reads as zeros but is excluded, as a kdump file's excluded page is).
     */
    static PageAgreement.PageView view(Vmcore dump) {
        PhysicalMemory mem = dump.physicalMemory();
        return pfn -> {
            if (pfn >= mem.endPfn() || mem.status(pfn) != PageStatus.PRESENT) {
                return null;
            }
            byte[] page = new byte[mem.pageSize()];
            try {
                mem.readPage(pfn, page, 0);
                return page;
            } catch (MemoryAccessException e) {
                return null;
            }
        };
    }

    /**
     * The frames a conversion must keep: those lying wholly inside a RAM range of the input. As
     * makedumpfile does, a frame a segment covers only in part is left out (its first byte outside:
     * is_in_segs; its last byte outside: the cyclic 1st bitmap counts a PT_LOAD as
     * {@code [floor(start/page), floor(end/page))}), but for {@code -E}'s partial first page.
     */
    static LongPredicate framesWhollyInRam(Vmcore input) {
        List<PhysicalRange> ranges = new ArrayList<>(input.physicalMemory().ranges());
        return pfn -> ranges.stream().anyMatch(x -> pfn * PS >= x.start() && (pfn + 1) * PS <= x.end());
    }

    /** Frames to compare: all that either side describes. */
    static long frames(Vmcore a, Vmcore b) {
        return Math.max(a.physicalMemory().endPfn(), b.physicalMemory().endPfn()) + 1;
    }

    /** Throws an AssertionError listing the differences, if any. */
    static void assertAgree(String what, Layout layout, Vmcore input, Vmcore output, LongPredicate mustKeep)
            throws IOException {
        List<String> diff = PageAgreement.differences(frames(input, output), view(input), view(output), mustKeep);
        if (!diff.isEmpty()) {
            throw new AssertionError(what + " of " + layout.description() + " disagrees with the input:\n  "
                    + String.join("\n  ", diff));
        }
    }
}
