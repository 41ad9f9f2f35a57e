package org.vmcore4j.testdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small dumps of kinds our corpus never makes (issue 14: the cases libkdumpfile's own synthetic test
 * dumps exposed), each written from the format facts by {@link ElfCoreBuilder} or
 * {@link KdumpFileBuilder}: odd ELF layouts, Xen and 31-bit s390 cores, other architectures' CPU
 * notes, kdump files without VMCOREINFO or bitmaps, split sets not starting at PFN 0.
 *
 * <p>{@code main(DIR)} writes every one into {@code DIR}, to try them on the command line.
 */
public final class UncommonDumps {
    public static final int PAGE = 4096;
    /** {@code e_machine} of riscv64. */
    public static final int EM_RISCV = 243;
    /** Xen's crash note type (the hypervisor's {@code XEN_ELFNOTE_CRASH_INFO}). */
    public static final int XEN_ELFNOTE_CRASH_INFO = 0x1000001;
    /** The release {@link #kdumpWithoutVmcoreinfo()} states in its header. */
    public static final String HEADER_RELEASE = "5.14.0-uncommon";

    private UncommonDumps() {
    }

    /** {@code len} bytes of a pattern that differs per {@code seed} and has no zero byte. */
    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + (i * 7 + seed * 31 + (i >> 8)) % 255);
        }
        return b;
    }

    /**
     * Case 1: PT_LOADs not page aligned, all in frame 0, the first with {@code p_filesz < p_memsz}:
     * {@code [0x200, filesz 0x200, memsz 0x400]}, {@code [0x800, 0, 0x400]},
     * {@code [0xc00, 0x200, 0x200]} holding 0xAA bytes; data packed, so the third segment's bytes
     * follow the first's in the file.
     */
    public static byte[] unalignedShortLoads() {
        byte[] aa = new byte[0x200];
        Arrays.fill(aa, (byte) 0xAA);
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).dataAlignment(1)
                .prStatusX86_64(1, new long[27])
                .load(0x200, 0, pattern(0x200, 1), 0x400)
                .load(0x800, 0, new byte[0], 0x400)
                .load(0xc00, 0, aa, 0x200)
                .build().bytes();
    }

    /**
     * Case 2: a PT_LOAD's zero fill covers frames another PT_LOAD holds in the file. The first has one
     * page of data and four of memory, and the second holds frame 2 (under the first's zero fill);
     * the third is zero fill only (one frame, 5) and the fourth, listed after it, holds frame 5.
     */
    public static byte[] zeroFillOverFileData() {
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .prStatusX86_64(1, new long[27])
                .load(0, 0, pattern(PAGE, 2), 4 * PAGE)
                .load(2 * PAGE, 0, pattern(PAGE, 3))
                .load(5 * PAGE, 0, new byte[0], PAGE)
                .load(5 * PAGE, 0, pattern(PAGE, 4))
                .build().bytes();
    }

    /** Case 3: a Xen xc_core domain dump: no program headers, its pages and p2m map in sections. */
    public static byte[] xenXcCore() {
        ByteBuffer p2m = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0x1234);
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).withoutNoteSegment()
                .section(".note.Xen", 7, new byte[0])
                .section(".xen_p2m", 1, p2m.array())
                .section(".xen_pages", 1, pattern(PAGE, 5))
                .build().bytes();
    }

    /** Case 3: a crash dump of a Xen host (dom0 kexec'd by the hypervisor): a "Xen" crash note. */
    public static byte[] xenDom0() {
        ByteBuffer info = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        info.putLong(0, 4).putLong(8, 17); // xen_major_version, xen_minor_version
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .prStatusX86_64(1, new long[27])
                .note("Xen", XEN_ELFNOTE_CRASH_INFO, info.array())
                .load(0, 0, pattern(2 * PAGE, 6))
                .build().bytes();
    }

    /** Case 4: an ELFCLASS32 EM_S390 core, i.e. a 31-bit s390 dump. */
    public static byte[] elf32S390() {
        return ElfCoreBuilder.elf32(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_S390)
                .load(0, 0, pattern(2 * PAGE, 7))
                .build().bytes();
    }

    /** Frames of {@link #splitSetPart}'s dump. */
    public static final int SPLIT_FRAMES = 16;

    /**
     * Case 5: one part of a split set of a 16-frame dump whose parts hold {@code [start, end)}; every
     * frame is RAM, frame 0 excluded, frame {@code p > 0} holds {@code pattern(PAGE, 100 + p)}.
     */
    public static byte[] splitSetPart(long start, long end) {
        return splitSetPart(start, end, false);
    }

    /** {@link #splitSetPart(long, long)}, with frame 0 dumpable (stored by a part holding it) if {@code frame0}. */
    public static byte[] splitSetPart(long start, long end, boolean frame0) {
        KdumpFileBuilder b = KdumpFileBuilder.x86_64(SPLIT_FRAMES).prstatusNotes(1).splitPart(start, end);
        for (int p = 0; p < SPLIT_FRAMES; p++) {
            if (p == 0 && !frame0) {
                b.excluded(p);
            } else {
                b.page(p, pattern(PAGE, 100 + p));
            }
        }
        return b.build();
    }

    /** Case 6: a kdump file without VMCOREINFO whose header's utsname names {@link #HEADER_RELEASE}. */
    public static byte[] kdumpWithoutVmcoreinfo() {
        KdumpFileBuilder b = KdumpFileBuilder.x86_64(8).prstatusNotes(2).release(HEADER_RELEASE);
        for (int p = 0; p < 8; p++) {
            if (p == 5) {
                b.excluded(p);
            } else {
                b.page(p, pattern(PAGE, 200 + p));
            }
        }
        return b.build();
    }

    /**
     * Case 7: a core of {@code machine} (ppc64 or s390x big-endian, riscv64 little-endian) with two
     * NT_PRSTATUS notes of the kernel's size; CPU {@code c}'s 8-byte word {@code i} from
     * {@code pr_reg} on holds {@code (c + 1) << 32 | i + 1} (the s390x access registers then read the
     * halves of those words).
     */
    public static byte[] prstatusCore(int machine) {
        int size;
        ByteOrder order;
        switch (machine) {
            case ElfCoreBuilder.EM_PPC64 -> {
                size = 504; // pr_reg[48], pr_fpvalid, padded to 8
                order = ByteOrder.BIG_ENDIAN;
            }
            case ElfCoreBuilder.EM_S390 -> {
                size = 336; // struct elf_s390_regs ends at 328
                order = ByteOrder.BIG_ENDIAN;
            }
            case EM_RISCV -> {
                size = 376; // pr_reg[33]
                order = ByteOrder.LITTLE_ENDIAN;
            }
            default -> throw new IllegalArgumentException("machine " + machine);
        }
        ElfCoreBuilder b = ElfCoreBuilder.elf64(order).machine(machine);
        for (int cpu = 0; cpu < 2; cpu++) {
            ByteBuffer d = ByteBuffer.allocate(size).order(order);
            d.putInt(32, 1000 + cpu);
            for (int i = 0; 112 + 8 * i + 8 <= size; i++) {
                d.putLong(112 + 8 * i, (long) (cpu + 1) << 32 | (i + 1));
            }
            b.note("CORE", ElfCoreBuilder.NT_PRSTATUS, d.array());
        }
        return b.load(0, 0, pattern(PAGE, 8)).build().bytes();
    }

    /**
     * Case 8: an x86_64 core whose VMCOREINFO names the release and page size but nothing the mem_map
     * is found with.
     */
    public static byte[] partialVmcoreinfo() {
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .prStatusX86_64(1, new long[27])
                .vmcoreInfo("OSRELEASE=6.1.0-partial\nPAGESIZE=4096\nCRASHTIME=1700000000\n")
                .load(0, 0, pattern(8 * PAGE, 9))
                .build().bytes();
    }

    /** Case 10 (and 9): an ELF core with notes but no PT_LOAD: it holds no memory. */
    public static byte[] noLoads() {
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).prStatusX86_64(1, new long[27]).build().bytes();
    }

    /** Case 11: a kdump file whose header says {@code bitmap_blocks = 0}, block size 4096. */
    public static byte[] kdumpWithoutBitmaps() {
        KdumpFileBuilder b = KdumpFileBuilder.x86_64(4).prstatusNotes(1).bitmapBlocks(0);
        for (int p = 0; p < 4; p++) {
            b.page(p, pattern(PAGE, 300 + p));
        }
        return b.build();
    }

    /** Every fixture by file name. */
    public static Map<String, byte[]> all() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("case1-unaligned-short-loads.elf", unalignedShortLoads());
        m.put("case2-zero-fill-over-file-data.elf", zeroFillOverFileData());
        m.put("case3-xen-xc-core.elf", xenXcCore());
        m.put("case3-xen-dom0.elf", xenDom0());
        m.put("case4-elf32-s390.elf", elf32S390());
        m.put("case5-split-1-8.kdump", splitSetPart(1, 8));
        m.put("case5-split-8-16.kdump", splitSetPart(8, SPLIT_FRAMES));
        m.put("case6-kdump-without-vmcoreinfo.kdump", kdumpWithoutVmcoreinfo());
        m.put("case7-ppc64.elf", prstatusCore(ElfCoreBuilder.EM_PPC64));
        m.put("case7-riscv64.elf", prstatusCore(EM_RISCV));
        m.put("case7-s390x.elf", prstatusCore(ElfCoreBuilder.EM_S390));
        m.put("case8-partial-vmcoreinfo.elf", partialVmcoreinfo());
        m.put("case10-no-loads.elf", noLoads());
        m.put("case11-no-bitmaps.kdump", kdumpWithoutBitmaps());
        return m;
    }

    /** Writes every fixture into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : all().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
