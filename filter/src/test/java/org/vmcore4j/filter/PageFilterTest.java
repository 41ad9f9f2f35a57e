package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;

/** Behaviour at the edges: errors that name what is missing, makedumpfile's counting quirks, the report text. */
class PageFilterTest {

    private static SyntheticKernel kernel(SyntheticKernel.Gen gen) {
        for (long seed = 0; ; seed++) {
            SyntheticKernel k = SyntheticKernel.random(seed, 600);
            if (k.gen == gen && !k.flat) {
                return k;
            }
        }
    }

    @Test
    void missingStructPageKeysFailEveryClassifyingLevelNamingThem() throws IOException {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_12).build();
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "SIZE(page)", null);
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "OFFSET(page.mapping)", null);
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(31).count(d));
        assertEquals(List.of("SIZE(page)", "OFFSET(page.mapping)"), e.missingKeys());
        assertEquals(0, e.affectedLevelBits());
        assertTrue(e.getMessage().contains("SIZE(page)") && e.getMessage().contains("OFFSET(page.mapping)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("No dump level that classifies pages"), e.getMessage());
        assertTrue(e.getMessage().contains("-d 0 and -d 1 can"), e.getMessage());
        // makedumpfile needs the memory model whenever VMCOREINFO is there, even at -d 0; vmcore4j does
        // not, as level 0 classifies nothing (issue 14, case 8; README, Deviations)
        FilterReport levelZero = PageFilter.forLevel(0).count(d);
        assertTrue(levelZero.remainingPages() > 0, levelZero.toString());
    }

    @Test
    void freePagesWithoutBuddyMarksOrFreeListKeysSuggestALevelWithoutSixteen() throws IOException {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_1_NO_MAPCOUNT).build();
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "SYMBOL(node_online_map)", null);
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "OFFSET(zone.free_area)", null);
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(31).count(d));
        assertTrue(e.missingKeys().contains("OFFSET(zone.free_area)"), e.missingKeys().toString());
        assertTrue(e.missingKeys().contains("SYMBOL(node_online_map)"), e.missingKeys().toString());
        assertEquals(DumpLevel.FREE, e.affectedLevelBits());
        assertTrue(e.getMessage().contains("-d 15"), e.getMessage());
        // the suggested level works
        assertTrue(PageFilter.forLevel(15).count(d).userPages() >= 0);
    }

    @Test
    void withoutVmcoreInfoOnlyLevelsZeroAndOneWork() throws IOException {
        SyntheticKernel k = kernel(SyntheticKernel.Gen.V6_1);
        FakeDump d = k.build();
        FilterReport with = PageFilter.forLevel(1).count(d);
        d.vmcoreInfoText = null;
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(3).count(d));
        assertEquals(List.of("VMCOREINFO"), e.missingKeys());
        assertTrue(e.getMessage().contains("-d 1"), e.getMessage());
        FilterReport r = PageFilter.forLevel(1).count(d);
        // no mem_map: max_mapnr is not reduced and nothing is classified (no hwpoison, no offline)
        assertEquals(d.physicalMemory().endPfn(), r.totalPages());
        assertEquals(0, r.hwpoisonPages() + r.offlinePages());
        assertEquals("none (no VMCOREINFO)", r.memoryModel());
        assertTrue(r.totalPages() >= with.totalPages());
    }

    @Test
    void pageSizeMustAgreeWithTheDump() {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_12).build();
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "PAGESIZE", "65536");
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(1).count(d));
        assertTrue(e.getMessage().contains("PAGESIZE"), e.getMessage());
    }

    @Test
    void anOffsetOutsideStructPageIsRefusedByName() {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_8).build();
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "OFFSET(page.private)", "9999");
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(31).count(d));
        assertEquals(List.of("OFFSET(page.private)"), e.missingKeys());
        assertTrue(e.getMessage().contains("outside SIZE(page)=64"), e.getMessage());
    }

    @Test
    void discontigmemIsRefusedClearly() {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_1).build();
        for (String[] kv : new String[][] {{"SYMBOL(node_data)", "ffff888000001000"}, {"LENGTH(node_data)", "4"},
            {"SIZE(pglist_data)", "4096"}, {"OFFSET(pglist_data.node_mem_map)", "8"},
            {"OFFSET(pglist_data.node_start_pfn)", "16"}, {"OFFSET(pglist_data.node_spanned_pages)", "24"}}) {
            d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, kv[0], kv[1]);
        }
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> PageFilter.forLevel(31).count(d));
        assertTrue(e.getMessage().contains("DISCONTIGMEM"), e.getMessage());
    }

    @Test
    void anImpossibleFreeOrderIsWarnedAboutAndThePageKept() throws IOException {
        SyntheticKernel k = kernel(SyntheticKernel.Gen.V6_12);
        int[] block = k.freeBlocks.get(0);
        k.priv[block[0]] = SyntheticKernel.FREE_AREA_ORDERS; // one past the largest order
        FakeDump d = k.build();
        List<String> warnings = new ArrayList<>();
        Collected c = Collected.scan(PageFilter.forLevel(16).withListener(new ScanListener() {
            @Override
            public void warning(String message) {
                warnings.add(message);
            }
        }), d);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(String.format(Locale.ROOT, "pfn=%x", block[0])), warnings.get(0));
        assertTrue(c.dumpable().get(block[0]), "the head stays dumpable");
        SyntheticScanTest.check(k, d, 16, ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR, 0);
    }

    /**
     * makedumpfile's create_bitmap_from_memhole counts a PT_LOAD that starts and ends inside one byte
     * of the bitmap twice in the memory hole; the bits are right. Reproduced so reports agree.
     */
    @Test
    void aSegmentInsideOneBitmapByteIsCountedTwiceInTheMemoryHole() throws IOException {
        FakeDump d = new FakeDump();
        d.ranges.add(new PhysicalRange(1 * 4096, 5 * 4096)); // frames 1..4: one byte, not aligned
        d.ranges.add(new PhysicalRange(16 * 4096, 40 * 4096));
        d.mappings.add(new VirtualMapping(SyntheticKernel.PAGE_OFFSET + 4096, 4096, 4 * 4096));
        d.mappings.add(new VirtualMapping(SyntheticKernel.PAGE_OFFSET + 16 * 4096, 16 * 4096, 24 * 4096));
        // a cyclic-mode quirk: in one pass (which max_mapnr 40 would get by default) the count is exact
        Collected c = Collected.scan(PageFilter.forLevel(0).withCycleMode(PageFilter.CycleMode.CYCLIC), d);
        assertEquals(40, c.report().totalPages());
        assertEquals(28, c.report().ramPages());
        assertEquals(40 - 24 - 2 * 4, c.report().memoryHolePages());
        assertEquals(List.of(1, 2, 3, 4), c.ram().stream().limit(4).boxed().toList());
    }

    /** Pages two PT_LOADs share (x86_64 kernel text) count twice in "Original pages", once in the bitmaps. */
    @Test
    void overlappingLoadsCountTwiceInOriginalPages() throws IOException {
        FakeDump d = new FakeDump();
        d.ranges.add(new PhysicalRange(0, 64 * 4096));
        d.mappings.add(new VirtualMapping(SyntheticKernel.PAGE_OFFSET, 0, 64 * 4096));
        d.mappings.add(new VirtualMapping(SyntheticKernel.KTEXT, 16 * 4096, 8 * 4096));
        FilterReport r = PageFilter.forLevel(0).count(d);
        assertEquals(64 + 8, r.originalPages());
        assertEquals(64, r.ramPages());
        assertEquals(64, r.dumpablePages());
    }

    @Test
    void reportTextHasMakedumpfilesShape() {
        FilterReport r = new FilterReport(31, ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR, "SPARSEMEM_EXTREME", 0x3ffd7,
                0xcc32, 0x184f, 0x7163, 0x3917, 0xe02f, 0x10db0, 2, 1, 0, 0x2ff75, 0x6721, true, OptionalLong.empty());
        String want = "\n"
                + "Original pages  : 0x00000000000333a5\n"
                + "  Excluded pages   : 0x000000000002b0ab\n"
                + "    Pages filled with zero  : 0x000000000000184f\n"
                + "    Non-private cache pages : 0x0000000000007163\n"
                + "    Private cache pages     : 0x0000000000003917\n"
                + "    User process data pages : 0x000000000000e02f\n"
                + "    Free pages              : 0x0000000000010db0\n"
                + "    Hwpoison pages          : 0x0000000000000002\n"
                + "    Offline pages           : 0x0000000000000001\n"
                + "  Remaining pages  : 0x00000000000082fa\n"
                + "  (The number of pages is reduced to 15%.)\n"
                + "Memory Hole     : 0x000000000000cc32\n"
                + "--------------------------------------------------\n"
                + "Total pages     : 0x000000000003ffd7\n";
        assertEquals(want, r.toMakedumpfileText());
        assertEquals(want + "Write bytes     : 83336338\n", r.toMakedumpfileText(83336338));
        String elf = r.withElfExcludedPages(0x2b000).toMakedumpfileText();
        assertTrue(elf.contains("  Excluded pages   : 0x000000000002b0ab\n     in ELF format : 0x000000000002b000\n"));
        assertTrue(elf.contains("  Remaining pages  : 0x00000000000082fa\n     in ELF format : 0x00000000000083a5\n"));
        FilterReport empty = new FilterReport(0, ZeroPageHandling.LEAVE_TO_WRITER, "x", 5, 5, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, true, OptionalLong.empty());
        assertFalse(empty.toMakedumpfileText().contains("reduced"), "no percentage without original pages");
        assertEquals(0x77, r.withZeroPages(0x77).zeroPages());
        assertEquals(9, r.withMemoryHolePages(9).memoryHolePages());
    }

    @Test
    void leavingZeroPagesToTheWriterKeepsThemDumpableAndUncounted() throws IOException {
        SyntheticKernel k = kernel(SyntheticKernel.Gen.V6_12);
        FakeDump d = k.build();
        Collected left = Collected.scan(PageFilter.forLevel(31).withZeroPages(ZeroPageHandling.LEAVE_TO_WRITER), d);
        Collected kdump = Collected.scan(PageFilter.forLevel(31), d);
        Collected elf = Collected.scan(PageFilter.forLevel(31).withZeroPages(ZeroPageHandling.ELF_REMOVE), d);
        assertFalse(left.report().zeroPagesCounted());
        assertEquals(0, left.report().zeroPages());
        assertEquals(left.dumpable(), kdump.dumpable());
        assertTrue(kdump.report().zeroPages() > 0);
        assertEquals(kdump.report().zeroPages(), kdump.zero().cardinality());
        assertEquals(kdump.report().zeroPages(), elf.report().zeroPages());
        assertEquals(kdump.dumpable().cardinality() - kdump.zero().cardinality(), elf.dumpable().cardinality());
        assertTrue(elf.zero().isEmpty());
        assertEquals(kdump.report().zeroPages(), left.report().withZeroPages(kdump.report().zeroPages()).zeroPages());
    }

    @Test
    void pageScanChecksItsCycles() throws IOException {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_1).build();
        PageScan s = PageFilter.forLevel(31).withCycleBufferBytes(16).prepare(d);
        assertEquals(128, s.cyclePfns());
        assertThrows(IllegalArgumentException.class, () -> s.cycle(3, 10));
        assertThrows(IllegalArgumentException.class, () -> s.cycle(0, 129));
        assertThrows(IllegalArgumentException.class, () -> s.cycle(8, 8));
        FilterCycle c = s.cycle(8, 136);
        assertEquals(8, c.startPfn());
        assertEquals(136, c.endPfn());
    }

    @Test
    void progressIsReportedInOrderUpToMaxMapnr() throws IOException {
        FakeDump d = kernel(SyntheticKernel.Gen.V6_12).build();
        List<Long> done = new ArrayList<>();
        List<String> cycles = new ArrayList<>();
        FilterReport r = PageFilter.forLevel(31).withCycleBufferBytes(64).withListener(new ScanListener() {
            @Override
            public void progress(long donePfn, long maxMapnr) {
                done.add(donePfn);
            }

            @Override
            public void cycleDone(int index, int count, long startPfn, long endPfn) {
                cycles.add(index + "/" + count + ":" + startPfn + "-" + endPfn);
            }
        }).count(d);
        for (int i = 1; i < done.size(); i++) {
            assertTrue(done.get(i) >= done.get(i - 1), done.toString());
        }
        assertEquals(r.totalPages(), done.get(done.size() - 1));
        assertEquals((r.totalPages() + 511) / 512, cycles.size());
        assertEquals("0/" + cycles.size() + ":0-512", cycles.get(0));
    }

    @Test
    void levelsAndBuffersAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> PageFilter.forLevel(32));
        assertThrows(IllegalArgumentException.class, () -> PageFilter.forLevel(-1));
        assertThrows(IllegalArgumentException.class, () -> PageFilter.forLevel(1).withCycleBufferBytes(-1));
        assertThrows(IllegalArgumentException.class,
                () -> PageFilter.forLevel(1).withCycleBufferBytes(PageFilter.MAX_CYCLE_BUFFER_BYTES + 1));
        DumpLevel l = DumpLevel.of(21);
        assertTrue(l.excludesZero() && l.excludesCachePrivate() && l.excludesFree());
        assertFalse(l.excludesCache() || l.excludesUser());
        assertTrue(l.needsClassification());
        assertFalse(DumpLevel.of(1).needsClassification());
        assertEquals(5, l.without(DumpLevel.FREE).value());
    }

    @Test
    void zeroPageTestLooksAtEveryByte() {
        byte[] page = new byte[8192];
        assertTrue(PageFilter.isZeroPage(page, 0, 8192));
        page[8191] = 1;
        assertFalse(PageFilter.isZeroPage(page, 0, 8192));
        assertTrue(PageFilter.isZeroPage(page, 0, 8191));
        page[4096] = 1;
        assertFalse(PageFilter.isZeroPage(page, 4000, 200));
    }

    /**
     * makedumpfile's test_bit takes the bit number modulo 32 and widens a C int mask, so bit 31 stands
     * for bits 31..63: with NUMBER(PG_lru)=63, a page whose bit 31 is set counts as page cache.
     */
    @Test
    void testBitQuirkIsReproduced() throws IOException {
        SyntheticKernel k = kernel(SyntheticKernel.Gen.V6_12);
        int p = -1;
        for (int i = 1; i < k.kernelStart && p < 0; i++) {
            if (k.flags[i] == (1L << k.gen.neutralBit()) && k.mapping[i] == 0 && k.f8[i] == 0) {
                p = i;
            }
        }
        assertTrue(p > 0);
        k.flags[p] = 1L << 31;
        FakeDump d = k.build();
        d.vmcoreInfoText = HostileInputProperties.mutate(d.vmcoreInfoText, "NUMBER(PG_lru)", "63");
        Collected c = Collected.scan(PageFilter.forLevel(2), d);
        assertFalse(c.dumpable().get(p), "bit 31 answers for PG_lru=63");
    }
}
