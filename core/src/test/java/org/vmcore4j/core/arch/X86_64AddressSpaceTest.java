package org.vmcore4j.core.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.synthetic.ArrayPhysicalMemory;
import org.vmcore4j.core.synthetic.PageTableBuilder;
import org.vmcore4j.core.synthetic.SyntheticKernel;

class X86_64AddressSpaceTest {
    static final long START = X86_64AddressSpace.START_KERNEL_MAP;
    static final int MB = 1 << 20;

    /** A machine with page tables at 1 MiB whose root is declared as init_top_pgt in an unrelocated image. */
    static final class Machine {
        final ArrayPhysicalMemory mem;
        final PageTableBuilder pt;
        final List<String> info = new ArrayList<>();
        final List<VirtualMapping> mappings = new ArrayList<>();

        Machine(int levels, long sme) {
            mem = new ArrayPhysicalMemory(8 * MB);
            pt = new PageTableBuilder(mem, levels, MB, 2 * MB, sme);
            info.add("OSRELEASE=6.1.0");
            info.add("PAGESIZE=4096");
            info.add("SYMBOL(init_top_pgt)=" + Long.toHexString(START + pt.root()));
            info.add("NUMBER(phys_base)=0");
            info.add("NUMBER(pgtable_l5_enabled)=" + (levels == 5 ? 1 : 0));
            if (sme != 0) {
                info.add("NUMBER(sme_mask)=" + sme);
            }
        }

        X86_64AddressSpace space() throws IOException {
            return X86_64AddressSpace.create(mem, VmcoreInfo.parse(String.join("\n", info), "test"), mappings);
        }
    }

    @Test
    void fourLevelTablesTranslate4KiB2MiBAnd1GiBPages() throws Exception {
        Machine m = new Machine(4, 0);
        long v4k = 0xffffc90000123000L;
        long v2m = 0xffffea0000400000L;
        long v1g = 0xffff888040000000L;
        m.pt.map(v4k, 0x345000, 12);
        m.pt.map(v2m, 0x600000, 21);
        m.pt.map(v1g, 0x40000000L, 30);
        X86_64AddressSpace s = m.space();
        assertEquals(4, s.pagingLevels());
        assertEquals(0x345000 + 0xabc, s.toPhysical(v4k + 0xabc));
        assertEquals(0x600000 + 0x1f_fff8, s.toPhysical(v2m + 0x1f_fff8));
        assertEquals(0x40000000L + 0x3fff_fff0L, s.toPhysical(v1g + 0x3fff_fff0L));
        assertEquals(new KernelAddressSpace.PageTranslation(v4k, 0x345000, 4096), s.walkPageTables(v4k + 5));
        assertEquals(new KernelAddressSpace.PageTranslation(v2m, 0x600000, 2 * MB), s.walkPageTables(v2m + 5));
        assertEquals(new KernelAddressSpace.PageTranslation(v1g, 0x40000000L, 1L << 30), s.walkPageTables(v1g + 5));
    }

    @Test
    void fiveLevelTablesUseBits56To48ForTheTopLevel() throws Exception {
        Machine m = new Machine(5, 0);
        long a = 0xff11000000201000L; // top-level index from bits 56..48 (0x111); not canonical for 4-level paging
        long b = 0xff12000000201000L; // same lower 48 bits, different PGD slot
        m.pt.map(a, 0x300000, 12);
        m.pt.map(b, 0x301000, 12);
        m.pt.map(0xffd4000000000000L, 0x400000, 21);
        X86_64AddressSpace s = m.space();
        assertEquals(5, s.pagingLevels());
        assertEquals(0x300010, s.toPhysical(a + 0x10));
        assertEquals(0x301010, s.toPhysical(b + 0x10));
        assertEquals(0x400123, s.toPhysical(0xffd4000000000123L));
        UnmappedAddressException e = assertThrows(UnmappedAddressException.class, () -> s.toPhysical(0xff13000000201000L));
        assertEquals("PGD", e.level());
        UnmappedAddressException p4d = assertThrows(UnmappedAddressException.class, () -> s.toPhysical(0xff11008000201000L));
        assertEquals("P4D", p4d.level());
    }

    @Test
    void smeMaskIsStrippedFromEveryEntry() throws Exception {
        long sme = 1L << 47; // AMD's C-bit position on EPYC
        Machine m = new Machine(4, sme);
        long v = 0xffffc90000001000L;
        m.pt.map(v, 0x2000, 12);
        m.pt.map(0xffffea0000000000L, 0x200000, 21);
        X86_64AddressSpace s = m.space();
        assertEquals(sme, s.smeMask());
        assertEquals(0x2008, s.toPhysical(v + 8));
        assertEquals(0x200008, s.toPhysical(0xffffea0000000008L));

        // without the mask the walk follows the C-bit into memory the machine does not have
        m.info.removeIf(l -> l.startsWith("NUMBER(sme_mask)"));
        X86_64AddressSpace unaware = m.space();
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> unaware.toPhysical(v + 8));
        assertEquals(MemoryAccessException.Reason.NOT_MAPPED, e.reason());
    }

    @Test
    void notPresentEntriesNameTheLevelThatFailed() throws Exception {
        Machine m = new Machine(4, 0);
        long base = 0xffffc90000000000L;
        m.pt.map(base, 0x300000, 12);              // PGD, PUD, PMD and one PTE exist
        X86_64AddressSpace s = m.space();
        expectUnmapped(s, base + 0x1000, "PTE");     // next PTE of the same table is empty
        expectUnmapped(s, base + 0x200000, "PMD");   // next PMD entry is empty
        expectUnmapped(s, base + 0x40000000L, "PUD");
        expectUnmapped(s, 0xffffd00000000000L, "PGD");
        UnmappedAddressException e = expectUnmapped(s, 0x0000800000000000L, UnmappedAddressException.NON_CANONICAL);
        assertEquals(-1, e.entryAddress());
    }

    private static UnmappedAddressException expectUnmapped(X86_64AddressSpace s, long vaddr, String level) {
        UnmappedAddressException e = assertThrows(UnmappedAddressException.class, () -> s.toPhysical(vaddr));
        assertEquals(level, e.level(), e.getMessage());
        assertEquals(vaddr, e.address());
        assertEquals(MemoryAccessException.Reason.NOT_MAPPED, e.reason());
        assertTrue(e.getMessage().contains(Long.toHexString(vaddr)), e.getMessage());
        return e;
    }

    @Test
    void tablesTheDumpDoesNotHoldMakeTheAddressUnmappedWithTheCause() throws Exception {
        Machine m = new Machine(4, 0);
        long v = 0xffffc90000000000L;
        m.pt.map(v, 0x300000, 12);
        long pmdEntry = m.pt.path(v).get(2);
        m.mem.putLong(pmdEntry, 0x7fff_0000_0000L | PageTableBuilder.FLAGS); // PTE table far beyond RAM
        UnmappedAddressException e = assertThrows(UnmappedAddressException.class, () -> m.space().toPhysical(v));
        assertEquals("PTE", e.level());
        assertEquals(MemoryAccessException.Reason.NOT_RAM, ((MemoryAccessException) e.getCause()).reason());

        Machine x = new Machine(4, 0);
        x.pt.map(v, 0x300000, 12);
        long pteTable = x.pt.path(v).get(3) & -4096L;
        x.mem.exclude(pteTable / 4096); // a filtered dump that dropped a page-table page
        UnmappedAddressException ex = assertThrows(UnmappedAddressException.class, () -> x.space().toPhysical(v));
        assertEquals(MemoryAccessException.Reason.EXCLUDED, ((MemoryAccessException) ex.getCause()).reason());
    }

    @Test
    void kernelImageWindowIsArithmeticAndBoundedByTheStatedImageSize() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        X86_64AddressSpace s = k.space();
        assertEquals(k.physBase(), s.physBase());
        assertEquals(X86_64AddressSpace.PhysBaseSource.VMCOREINFO, s.physBaseSource());
        assertEquals(OptionalLong.of(0x2a000000L), s.kernelOffset());
        assertEquals(OptionalLong.of(1L << 30), s.kernelImageSize());
        assertTrue(k.physBase() < 0, "a KASLR-style negative phys_base");
        // the image is mapped in the tables too, so arithmetic and walk must agree
        long sym = k.imageStart() + 0x12345;
        assertEquals(SyntheticKernel.IMAGE_PHYS + 0x12345, s.toPhysical(sym));
        assertEquals(s.walkPageTables(sym).physicalBase() + (sym & (2 * MB - 1)), s.toPhysical(sym));
        // the arithmetic does not need the tables: an address in the window but never mapped
        long unmapped = START + 0x3000_0000L;
        assertEquals(unmapped - START + k.physBase(), s.toPhysical(unmapped));
        assertThrows(UnmappedAddressException.class, () -> s.walkPageTables(unmapped));
        // beyond KERNEL_IMAGE_SIZE (the module area) the tables decide
        assertThrows(UnmappedAddressException.class, () -> s.toPhysical(START + (1L << 30) + 0x1000));
    }

    @Test
    void withoutKernelImageSizeOnlyTheFirst512MiBAreArithmetic() throws Exception {
        Machine m = new Machine(4, 0);
        long module = START + 0x2000_0000L; // where a non-KASLR kernel of that era put its first module
        m.pt.map(module, 0x700000, 12);
        X86_64AddressSpace s = m.space();
        assertEquals(OptionalLong.empty(), s.kernelImageSize());
        assertEquals(X86_64AddressSpace.MIN_KERNEL_IMAGE_SIZE, s.kernelImageWindow());
        assertEquals(0x700000 + 0x18, s.toPhysical(module + 0x18));
        assertEquals(0x1fff_f000L, s.toPhysical(START + 0x1fff_f000L));
    }

    @Test
    void physBaseComesFromTheKernelTextMappingWhenVmcoreinfoLacksIt() throws Exception {
        Machine m = new Machine(4, 0);
        m.info.removeIf(l -> l.startsWith("NUMBER(phys_base)"));
        m.mappings.add(new VirtualMapping(0xffff888000100000L, 0x100000, 0x100000));
        m.mappings.add(new VirtualMapping(START + 0x31000000L, 0x1000000, 0x200000));
        X86_64AddressSpace s = m.space();
        assertEquals(0x1000000 - 0x31000000L, s.physBase());
        assertEquals(X86_64AddressSpace.PhysBaseSource.KERNEL_TEXT_MAPPING, s.physBaseSource());

        Machine none = new Machine(4, 0);
        none.info.removeIf(l -> l.startsWith("NUMBER(phys_base)"));
        assertEquals(0, none.space().physBase());
        assertEquals(X86_64AddressSpace.PhysBaseSource.DEFAULT, none.space().physBaseSource());
    }

    @Test
    void pageOffsetFromStatedMappingsThenMemSectionThenConstants() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        X86_64AddressSpace s = k.space();
        assertEquals(k.pageOffset(), s.pageOffset());
        assertEquals(X86_64AddressSpace.PageOffsetSource.STATED_MAPPING, s.pageOffsetSource());

        // a kdump-compressed dump states no mappings: mem_section (memblock memory) gives it away
        long section = k.heapAlloc(4096, 4096);
        k.info("SYMBOL(mem_section)=" + Long.toHexString(section));
        X86_64AddressSpace fromSymbol = X86_64AddressSpace.create(k.memory(), k.vmcoreInfo(), List.of());
        assertEquals(k.pageOffset(), fromSymbol.pageOffset());
        assertEquals(X86_64AddressSpace.PageOffsetSource.DIRECT_MAP_SYMBOL, fromSymbol.pageOffsetSource());

        Machine m = new Machine(4, 0);
        assertEquals(0xffff888000000000L, m.space().pageOffset());
        assertEquals(X86_64AddressSpace.PageOffsetSource.CONSTANT, m.space().pageOffsetSource());
        m.info.set(0, "OSRELEASE=3.10.0-1160.el7.x86_64");
        assertEquals(0xffff880000000000L, m.space().pageOffset());
        m.info.set(0, "OSRELEASE=2.6.18-419.el5");
        assertEquals(0xffff810000000000L, m.space().pageOffset());
        assertEquals(0xff11000000000000L, new Machine(5, 0).space().pageOffset());
    }

    @Test
    void layoutSymbolsAreExposedWhereTheKernelExportsThem() throws Exception {
        Machine m = new Machine(4, 0);
        assertEquals(OptionalLong.empty(), m.space().vmemmapBase());
        assertEquals(OptionalLong.empty(), m.space().vmallocStart());
        m.info.add("SYMBOL(vmemmap)=fffff763c0000000");
        m.info.add("NUMBER(VMALLOC_START)=0xffffcfcc40000000");
        assertEquals(OptionalLong.of(0xfffff763c0000000L), m.space().vmemmapBase());
        assertEquals(OptionalLong.of(0xffffcfcc40000000L), m.space().vmallocStart());
    }

    @Test
    void missingOrWrongVmcoreinfoIsNamed() throws Exception {
        Machine m = new Machine(4, 0);
        m.info.removeIf(l -> l.startsWith("SYMBOL(init_top_pgt)"));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, m::space);
        assertTrue(e.getMessage().contains("SYMBOL(init_top_pgt)") && e.getMessage().contains("SYMBOL(init_level4_pgt)"),
                e.getMessage());
        m.info.add("SYMBOL(init_level4_pgt)=" + Long.toHexString(START + m.pt.root()));
        m.pt.map(0xffffc90000000000L, 0x300000, 12);
        assertEquals(0x300000, m.space().toPhysical(0xffffc90000000000L), "the pre-4.13 symbol works as well");

        Machine p = new Machine(4, 0);
        p.info.set(1, "PAGESIZE=65536");
        assertTrue(assertThrows(VmcoreFormatException.class, p::space).getMessage().contains("PAGESIZE"));
        Machine n = new Machine(4, 0);
        n.info.add(0, "NUMBER(phys_base)=banana");
        assertTrue(assertThrows(VmcoreFormatException.class, n::space).getMessage().contains("NUMBER(phys_base)"));
    }

    @Test
    void readsFollowScatteredPagesAndLargePages() throws Exception {
        SyntheticKernel k = new SyntheticKernel(16 * MB, "6.1.0");
        long v = k.vmalloc(5 * 4096);
        byte[] pattern = new byte[5 * 4096 - 100];
        new Random(7).nextBytes(pattern);
        k.putBytes(v + 50, pattern);
        X86_64AddressSpace s = k.space();
        byte[] got = new byte[pattern.length];
        s.read(v + 50, got, 0, got.length);
        assertArrayEquals(pattern, got);
        assertNotEquals(s.toPhysical(v) + 4096, s.toPhysical(v + 4096), "vmalloc pages are not physically contiguous");
        // a read across the direct map's 2 MiB pages and into the guard page after the vmalloc area
        byte[] big = new byte[3 * MB];
        s.read(k.pageOffset() + MB, big, 0, big.length);
        assertEquals(k.memory().bytes()[MB + 12345], big[12345]);
        assertThrows(UnmappedAddressException.class, () -> s.read(v + 5 * 4096 - 8, new byte[16], 0, 16));
    }

    @Test
    void concurrentTranslationsAgreeWithAFreshWalk() throws Exception {
        SyntheticKernel k = new SyntheticKernel(16 * MB, "6.1.0");
        long v = k.vmalloc(64 * 4096);
        X86_64AddressSpace s = k.space();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 200_000; i++) {
                        long a = r.nextBoolean() ? v + r.nextInt(64 * 4096) : k.pageOffset() + r.nextInt(16 * MB);
                        if (s.toPhysical(a) != k.phys(a)) {
                            throw new AssertionError(String.format(Locale.ROOT, "0x%x", a));
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(200_000, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unmappedAddressExceptionIsAMemoryAccessException() {
        UnmappedAddressException e = new UnmappedAddressException(0x1234, "PMD", 1L << 21, 0x5000, 0x62, "why", null);
        assertInstanceOf(MemoryAccessException.class, e);
        assertEquals(0x5000, e.entryAddress());
        assertEquals(0x62, e.entry());
        assertEquals(1L << 21, e.entrySpan());
    }
}
