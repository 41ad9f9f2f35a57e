package org.vmcore4j.elf;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.vmcore4j.testdata.ElfCoreBuilder;

/** Small synthetic vmcores shaped like real ones, built with {@link ElfCoreBuilder} (not with our reader). */
final class SyntheticCores {
    static final int PAGE = 4096;
    static final long TEXT_VADDR = 0xffffffff81000000L;
    static final long DIRECT_MAP = 0xffff888000000000L;

    private SyntheticCores() {
    }

    /** A named core and the builder image it came from. */
    record Core(String name, ElfCoreBuilder.Image image) {
        byte[] bytes() {
            return image.bytes();
        }
    }

    static String vmcoreInfoText(int pageSize) {
        return "OSRELEASE=6.1.0-synthetic\nBUILD-ID=0123456789abcdef\nPAGESIZE=" + pageSize
                + "\nSYMBOL(init_uts_ns)=ffffffff82bfb000\nOFFSET(uts_namespace.name)=0\nNUMBER(phys_base)=0\n"
                + "KERNELOFFSET=0\nCRASHTIME=1700000000\n";
    }

    /** Deterministic page-sized content that differs from page to page. */
    static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static long[] regs(int n, long seed) {
        Random r = new Random(seed);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextLong();
        }
        return v;
    }

    /**
     * An x86_64 vmcore in miniature: two CPUs, VMCOREINFO, kernel text mapped over RAM, a low segment
     * that ends mid-page, and a segment whose last pages are beyond its file size.
     */
    static ElfCoreBuilder x86_64Builder(ByteOrder order, boolean elf64) {
        byte[] ram = pattern(8 * PAGE, 1);
        byte[] text = new byte[2 * PAGE];
        System.arraycopy(ram, 3 * PAGE, text, 0, text.length); // kernel text is the same RAM seen twice
        ElfCoreBuilder b = (elf64 ? ElfCoreBuilder.elf64(order) : ElfCoreBuilder.elf32(order))
                .machine(ElfCoreBuilder.EM_X86_64)
                .prStatusX86_64(201, regs(27, 2))
                .prStatusX86_64(0, regs(27, 3))
                .vmcoreInfo(vmcoreInfoText(PAGE));
        long text32 = elf64 ? TEXT_VADDR : 0xc1000000L;
        long dm = elf64 ? DIRECT_MAP : 0xc0000000L;
        b.load(0x100000 + 3 * PAGE, text32, text);
        b.load(0x1000, dm + 0x1000, pattern(0x2c00, 4)); // ends at 0x3c00, mid-page
        b.load(0x100000, dm + 0x100000, ram);
        b.load(0x200000, dm + 0x200000, pattern(2 * PAGE, 5), 5L * PAGE); // 3 pages beyond filesz
        return b;
    }

    static Core x86_64() {
        return new Core("x86_64-elf64-le", x86_64Builder(ByteOrder.LITTLE_ENDIAN, true).build());
    }

    static Core aarch64BigEndian() {
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_AARCH64)
                .prStatusAarch64(77, regs(34, 6))
                .prStatusAarch64(78, regs(34, 7))
                .vmcoreInfo(vmcoreInfoText(PAGE))
                .load(0x40000000L, 0xffff000000000000L, pattern(4 * PAGE, 8))
                .load(0x40010000L, 0xffff000000010000L, pattern(PAGE + 100, 9), 3L * PAGE);
        return new Core("aarch64-elf64-be", b.build());
    }

    static int[] regs32(int seed) {
        Random r = new Random(seed);
        int[] v = new int[17];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt();
        }
        return v;
    }

    static ElfCoreBuilder i386Builder(ByteOrder order) {
        return ElfCoreBuilder.elf32(order).machine(ElfCoreBuilder.EM_386)
                .prStatusI386(55, regs32(10))
                .vmcoreInfo(vmcoreInfoText(PAGE))
                .load(0x1000, 0xc0001000L, pattern(0x2c00, 11))
                .load(0x100000, 0xc0100000L, pattern(3 * PAGE, 12))
                .load(0x100000 + PAGE, 0xc0101000L, pattern(PAGE, 13)); // overlaps: the first PT_LOAD wins
    }

    static Core i386() {
        return new Core("i386-elf32-le", i386Builder(ByteOrder.LITTLE_ENDIAN).build());
    }

    static Core i386BigEndian() {
        return new Core("i386-elf32-be", i386Builder(ByteOrder.BIG_ENDIAN).build());
    }

    static Core x86_64Extended() {
        return new Core("x86_64-elf64-le-pn_xnum",
                x86_64Builder(ByteOrder.LITTLE_ENDIAN, true).extendedNumbering().dataAlignment(1).build());
    }

    static Core x86_64Elf32() {
        return new Core("x86_64-elf32-le", x86_64Builder(ByteOrder.LITTLE_ENDIAN, false).dataAlignment(1).build());
    }

    static List<Core> all() {
        List<Core> l = new ArrayList<>();
        l.add(x86_64());
        l.add(aarch64BigEndian());
        l.add(i386());
        l.add(i386BigEndian());
        l.add(x86_64Extended());
        l.add(x86_64Elf32());
        return l;
    }
}
