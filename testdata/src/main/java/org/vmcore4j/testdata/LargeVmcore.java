package org.vmcore4j.testdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic x86_64 ELF vmcore of any size, as /proc/vmcore of a Linux 6.12 machine with N GiB of
 * RAM shows it, written sparse: only struct pages, kernel tables and the kernel data pages that
 * {@code -d 31} keeps take disk blocks (about 3 % of RAM), so a 256 GiB machine fits in a few GiB
 * and the collector can be measured far beyond this machine's memory.
 *
 * <p>The header and notes come from {@link ElfCoreBuilder} (VMCOREINFO, one NT_PRSTATUS per CPU, a
 * kernel-text PT_LOAD then one PT_LOAD per RAM range with {@code p_vaddr = PAGE_OFFSET + p_paddr},
 * as kexec's elfcorehdr has them); the memory is streamed section by section: {@link LargeVmcoreLayout}
 * places it, {@link PageMix} draws the page classes and encodes the struct pages. {@link Mix} counts
 * every class as it is written, which is what a -d 31 filter must find.
 */
public final class LargeVmcore {
    private static final int PAGE = 4096;

    private LargeVmcore() {
    }

    /**
     * What was written: pages per class among the frames in the dump's RAM PT_LOADs.
     *
     * @param gib       RAM in GiB
     * @param maxPfn    the end of RAM, in frames
     * @param counts    pages per class, indexed as {@link #classNames()}
     * @param fileBytes the file's apparent size
     */
    public record Mix(int gib, long maxPfn, long[] counts, long fileBytes) {
        public static List<String> classNames() {
            return List.of(PageMix.NAMES);
        }

        public long pages(String className) {
            int i = classNames().indexOf(className);
            if (i < 0) {
                throw new IllegalArgumentException(className);
            }
            return counts[i];
        }

        /** Frames in the RAM PT_LOADs. */
        public long ramPages() {
            long n = 0;
            for (int c = 0; c < PageMix.NOT_IN_DUMP; c++) {
                n += counts[c];
            }
            return n;
        }

        /** Pages -d 31 keeps: slab, page tables and other kernel memory (each holding data). */
        public long keptAtLevel31() {
            return counts[PageMix.SLAB] + counts[PageMix.PAGE_TABLE] + counts[PageMix.KERNEL];
        }

        /** The counts as {@code name=value} lines. */
        public String toText() {
            StringBuilder sb = new StringBuilder();
            sb.append("gib=").append(gib).append('\n').append("max_pfn=").append(maxPfn).append('\n');
            for (int c = 0; c < PageMix.NOT_IN_DUMP; c++) {
                sb.append(PageMix.NAMES[c]).append('=').append(counts[c]).append('\n');
            }
            sb.append("ram=").append(ramPages()).append('\n').append("kept_d31=").append(keptAtLevel31()).append('\n');
            return sb.toString();
        }
    }

    /** Writes a core of {@code gib} GiB of RAM to {@code out} (replacing it); the same seed gives the same file. */
    public static Mix write(Path out, int gib, long seed) throws IOException {
        LargeVmcoreLayout layout = new LargeVmcoreLayout(gib);
        long[] regs = new long[27];
        List<long[]> loads = new ArrayList<>();
        loads.add(new long[] {LargeVmcoreLayout.KERNEL_PHYS, LargeVmcoreLayout.START_KERNEL_MAP + LargeVmcoreLayout.KERNEL_PHYS,
            LargeVmcoreLayout.KERNEL_SIZE});
        for (long[] r : layout.ram) {
            loads.add(new long[] {r[0] * PAGE, LargeVmcoreLayout.PAGE_OFFSET + r[0] * PAGE, (r[1] - r[0]) * PAGE});
        }
        long headerBytes = header(layout, loads, new long[loads.size()], regs).length;
        long[] offsets = new long[loads.size()];
        long cursor = (headerBytes + PAGE - 1) / PAGE * PAGE;
        for (int i = 0; i < loads.size(); i++) {
            offsets[i] = cursor;
            cursor += loads.get(i)[2];
        }
        long fileBytes = cursor;
        long[] counts = new long[PageMix.CLASSES];
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SPARSE)) {
            writeFully(ch, ByteBuffer.wrap(header(layout, loads, offsets, regs)), 0);
            Placement at = new Placement(loads, offsets);
            writeKernelImage(ch, layout, at);
            for (Map.Entry<Long, byte[]> t : layout.tablePages.entrySet()) {
                if (layout.special(t.getKey()) == LargeVmcoreLayout.Special.TABLE) {
                    writeFully(ch, ByteBuffer.wrap(t.getValue()), at.ramOffset(t.getKey()));
                }
            }
            writeSections(ch, layout, at, seed, counts);
            ByteBuffer last = ByteBuffer.allocate(1);
            if (ch.size() < fileBytes) {
                writeFully(ch, last, fileBytes - 1);
            }
        }
        return new Mix(gib, layout.maxPfn, counts, fileBytes);
    }

    private static byte[] header(LargeVmcoreLayout layout, List<long[]> loads, long[] offsets, long[] regs) {
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).machine(ElfCoreBuilder.EM_X86_64)
                .prStatusX86_64(0, regs).prStatusX86_64(0, regs).vmcoreInfo(layout.vmcoreInfo());
        for (int i = 0; i < loads.size(); i++) {
            long[] l = loads.get(i);
            b.programHeader(ElfCoreBuilder.PT_LOAD, 7, offsets[i], l[1], l[0], l[2], l[2], 0);
        }
        return b.build().bytes();
    }

    /** File offsets of physical frames: the kernel-text PT_LOAD first, then the RAM PT_LOADs. */
    private record Placement(List<long[]> loads, long[] offsets) {
        long ramOffset(long pfn) {
            long paddr = pfn * PAGE;
            for (int i = 1; i < loads.size(); i++) {
                long[] l = loads.get(i);
                if (paddr >= l[0] && paddr < l[0] + l[2]) {
                    return offsets[i] + paddr - l[0];
                }
            }
            throw new IllegalArgumentException("pfn " + Long.toHexString(pfn) + " is not in RAM");
        }

        long textOffset(long pfn) {
            return offsets[0] + pfn * PAGE - loads.get(0)[0];
        }
    }

    /** The kernel image: data in every page, the page tables and init_uts_ns where the layout puts them. */
    private static void writeKernelImage(FileChannel ch, LargeVmcoreLayout layout, Placement at) throws IOException {
        long firstPfn = LargeVmcoreLayout.KERNEL_PHYS / PAGE;
        long pages = LargeVmcoreLayout.KERNEL_SIZE / PAGE;
        ByteBuffer buf = ByteBuffer.allocate(256 * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (long p = 0; p < pages; p += 256) {
            buf.clear();
            for (int i = 0; i < 256; i++) {
                long pfn = firstPfn + p + i;
                byte[] table = layout.tablePages.get(pfn);
                if (table != null) {
                    buf.put(i * PAGE, table);
                } else {
                    PageMix.fillData(buf, i * PAGE, pfn);
                }
            }
            writeFully(ch, buf.duplicate(), at.textOffset(firstPfn + p));
            writeFully(ch, buf.duplicate(), at.ramOffset(firstPfn + p));
        }
    }

    private static void writeSections(FileChannel ch, LargeVmcoreLayout layout, Placement at, long seed, long[] counts)
            throws IOException {
        PageMix mix = new PageMix(layout, seed);
        ByteBuffer block = ByteBuffer.allocate(LargeVmcoreLayout.SECTION_PAGES * 64).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer data = ByteBuffer.allocate(64 * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < layout.sectionCount; s++) {
            if (layout.backingPfn[s] < 0) {
                continue;
            }
            mix.draw(s);
            mix.encode(block, new SplittableRandom(seed ^ (0xC2B2AE3D27D4EB4FL * (s + 1))));
            writeFully(ch, block.duplicate().clear(), at.ramOffset(layout.backingPfn[s]));
            long runStart = -1;
            int runPages = 0;
            for (int i = 0; i < LargeVmcoreLayout.SECTION_PAGES; i++) {
                long pfn = mix.first + i;
                int c = mix.cls[i];
                counts[c]++;
                boolean data31 = PageMix.hasData(c) && layout.special(pfn) == null;
                if (data31 && runPages < 64 && runStart + runPages == pfn) {
                    PageMix.fillData(data, runPages++ * PAGE, pfn);
                    continue;
                }
                if (runPages > 0) {
                    writeFully(ch, data.duplicate().clear().limit(runPages * PAGE), at.ramOffset(runStart));
                    runPages = 0;
                }
                if (data31) {
                    runStart = pfn;
                    PageMix.fillData(data, 0, pfn);
                    runPages = 1;
                }
            }
            if (runPages > 0) {
                writeFully(ch, data.duplicate().clear().limit(runPages * PAGE), at.ramOffset(runStart));
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    /**
     * {@code LargeVmcore OUT GIB [SEED]}: writes the core and, beside it, {@code OUT.mix} with the
     * pages per class (the benchmark script reads it).
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: LargeVmcore OUT GIB [SEED]");
        }
        Path out = Path.of(args[0]);
        Mix mix = write(out, Integer.parseInt(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 1);
        Files.writeString(out.resolveSibling(out.getFileName() + ".mix"), mix.toText(), StandardCharsets.UTF_8);
    }
}
