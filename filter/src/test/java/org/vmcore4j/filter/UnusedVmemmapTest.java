package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.X86_64AddressSpace;

/**
 * {@code -e} on synthetic page tables and bitmaps: how the vmemmap's 2 MiB steps group into
 * contiguous runs (find_vmemmap_x86_64: a physical discontinuity or a hole ends a group; a group's
 * last PFN is the first of its last step), and which runs of unused RAM give which vmemmap pages
 * (find_unused_vmemmap_pages: whole 64-frame words only, runs of two words or more, never across a
 * 32768-frame block, whole vmemmap pages only). The corpus tests check the same against makedumpfile
 * on real dumps, where the vmemmap is one group.
 */
class UnusedVmemmapTest {
    private static final long H = 2L << 20;
    private static final long VMEMMAP = 0xffffea0000000000L;
    private static final long ROOT = 0x1000;
    private static final long PRESENT = 0x63;
    private static final long HUGE = 0xe3;

    /** An x86_64 address space whose vmemmap PMD {@code i} (counted from VMEMMAP over PUDs) maps {@code pmd[i]}. */
    private static final class Tables {
        final FakeDump dump = new FakeDump();
        private long nextTable = 0x3000;
        private final long pud = 0x2000;

        Tables(long highPaddr) {
            dump.ranges.add(new PhysicalRange(0, highPaddr));
            int pgdIndex = (int) ((VMEMMAP >>> 39) & 511);
            dump.putLong(ROOT + 8L * pgdIndex, pud | PRESENT);
        }

        /** Maps vmemmap step {@code step} (2 MiB each) to physical {@code paddr} with a 2 MiB page. */
        Tables huge(int step, long paddr) {
            dump.putLong(pmdTable(step / 512) + 8L * (step % 512), paddr | HUGE);
            return this;
        }

        /** Maps step {@code step} through a page table of 4 KiB pages (makedumpfile gives up on those). */
        Tables small(int step, long paddr) {
            long pte = nextTable;
            nextTable += 0x1000;
            dump.putLong(pte, paddr | PRESENT);
            dump.putLong(pmdTable(step / 512) + 8L * (step % 512), pte | PRESENT);
            return this;
        }

        private long pmdTable(int pudIndex) {
            long entry = pud + 8L * pudIndex;
            byte[] page = dump.page(entry / 4096);
            long e = 0;
            for (int i = 7; i >= 0; i--) {
                e = (e << 8) | (page[(int) (entry % 4096) + i] & 0xff);
            }
            if (e == 0) {
                e = nextTable | PRESENT;
                nextTable += 0x1000;
                dump.putLong(entry, e);
            }
            return e & ~0xfffL;
        }

        UnusedVmemmap locate() throws Exception {
            VmcoreInfo info = VmcoreInfo.parse("SYMBOL(init_top_pgt)=" + Long.toHexString(
                    X86_64AddressSpace.START_KERNEL_MAP + ROOT) + "\nNUMBER(phys_base)=0\nPAGESIZE=4096\n", "tables");
            X86_64AddressSpace kas = X86_64AddressSpace.create(dump.physicalMemory(), info, List.of());
            return UnusedVmemmap.locate(kas, VMEMMAP, 64, 0);
        }
    }

    private static List<String> groups(UnusedVmemmap u) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < u.groups(); i++) {
            long[] g = u.group(i);
            out.add(String.format(Locale.ROOT, "0x%x: 0x%x-0x%x", g[0], g[1], g[2]));
        }
        return out;
    }

    /** Frames of physical memory whose struct pages the walk covers: {@code steps} 2 MiB steps' worth. */
    private static long paddrFor(long steps) {
        return steps * H / 64 * 4096;
    }

    @Test
    void contiguousStepsAreOneGroupEndingAtTheFirstFrameOfTheLastStep() throws Exception {
        Tables t = new Tables(paddrFor(3));
        t.huge(0, 0x2e000000L).huge(1, 0x2e200000L).huge(2, 0x2e400000L);
        // as makedumpfile's debug line "vmap pfns 0x2e000-2e400 represent pfns 0-10000"
        assertEquals(List.of("0x2e000: 0x0-0x10000"), groups(t.locate()));
    }

    @Test
    void aPhysicalDiscontinuityStartsAGroup() throws Exception {
        Tables t = new Tables(paddrFor(3));
        t.huge(0, 0x2e000000L).huge(1, 0x2e200000L).huge(2, 0x40000000L);
        assertEquals(List.of("0x2e000: 0x0-0x10000", "0x40000: 0x10000-0x10000"), groups(t.locate()));
    }

    @Test
    void aHoleEndsAGroupAndIsNotOne() throws Exception {
        Tables t = new Tables(paddrFor(4));
        t.huge(0, 0x2e000000L).huge(2, 0x30000000L).huge(3, 0x30200000L);
        assertEquals(List.of("0x2e000: 0x0-0x8000", "0x30000: 0x10000-0x18000"), groups(t.locate()));
    }

    @Test
    void anUnpopulatedPudIsAHoleOf512Steps() throws Exception {
        // steps 0 (PUD 0), then PUD 1 absent, then step 1024 (PUD 2): struct pages stay at their own PFNs
        Tables t = new Tables(paddrFor(1025));
        t.huge(0, 0x2e000000L).huge(1024, 0x30000000L);
        assertEquals(List.of("0x2e000: 0x0-0x8000", "0x30000: 0x2000000-0x2000000"), groups(t.locate()));
    }

    @Test
    void aVmemmapOf4KibPagesOrNoneIsNotFound() throws Exception {
        Tables small = new Tables(paddrFor(2));
        small.huge(0, 0x2e000000L).small(1, 0x2e200000L);
        assertTrue(assertThrows(UnusedVmemmap.NotFound.class, small::locate).getMessage().contains("4096-byte"));
        Tables none = new Tables(paddrFor(2));
        assertThrows(UnusedVmemmap.NotFound.class, none::locate);
    }

    // ---- finding unused vmemmap pages -------------------------------------------------------------

    /** One group: vmemmap frames from 0x2e000 stand for PFNs 0..0x38000, as on the corpus dumps. */
    private static UnusedVmemmap corpusLike() {
        return new UnusedVmemmap(4096, 64, new long[] {0x2e000}, new long[] {0}, new long[] {0x38000}, 1);
    }

    /** RAM over {@code [0, end)}, all dumpable except {@code [unusedFrom, unusedTo)} pairs. */
    private static PfnBitmap[] bitmaps(long end, long... unused) {
        PfnBitmap ram = new PfnBitmap((int) end);
        PfnBitmap dump = new PfnBitmap((int) end);
        ram.reset(0, end);
        dump.reset(0, end);
        ram.setRange(0, end);
        dump.setRange(0, end);
        for (int i = 0; i < unused.length; i += 2) {
            dump.clearRange(unused[i], unused[i + 1]);
        }
        return new PfnBitmap[] {ram, dump};
    }

    /** The deletions as "from-to" frame ranges, then the count. */
    private static String find(UnusedVmemmap u, PfnBitmap[] b, long... cycleEnds) {
        UnusedVmemmap.Finder f = u.finder();
        long from = 0;
        for (long to : cycleEnds) {
            f.accept(b[0], b[1], from, to);
            from = to;
        }
        VmemmapDeletions d = f.finish();
        PfnBitmap probe = new PfnBitmap(0x40000);
        probe.reset(0x2e000, 0x2e000 + 0x1000);
        probe.setRange(0x2e000, 0x2f000);
        long cleared = d.apply(probe);
        StringBuilder sb = new StringBuilder();
        for (long p = 0x2e000; p < 0x2f000; p++) {
            if (!probe.get(p) && (p == 0x2e000 || probe.get(p - 1))) {
                long q = p;
                while (q < 0x2f000 && !probe.get(q)) {
                    q++;
                }
                sb.append(String.format(Locale.ROOT, "%x-%x ", p, q));
            }
        }
        assertEquals(cleared, 0x1000 - probe.cardinality());
        return sb.append(d.pages()).toString();
    }

    @Test
    void aRunOfWholeUnusedWordsFreesTheVmemmapPagesInsideIt() {
        // 0x1000-0x1100: 256 frames, 4 words, 16 KiB of struct pages at vmemmap page 0x40
        assertEquals("2e040-2e044 4", find(corpusLike(), bitmaps(0x20000, 0x1000, 0x1100), 0x20000));
    }

    @Test
    void onlyWholeVmemmapPagesGo() {
        // 80-byte struct pages (debug kernels): 0x1040-0x1140 has struct pages from 0x51400 to 0x56400,
        // so vmemmap pages 0x52-0x55 are wholly inside
        UnusedVmemmap wide = new UnusedVmemmap(4096, 80, new long[] {0x2e000}, new long[] {0}, new long[] {0x38000}, 1);
        assertEquals("2e052-2e056 4", find(wide, bitmaps(0x20000, 0x1040, 0x1140), 0x20000));
        // unused frames that do not fill two aligned words: nothing
        assertEquals("0", find(corpusLike(), bitmaps(0x20000, 0x1001, 0x1080, 0x2000, 0x2040), 0x20000));
    }

    @Test
    void runsEndAtBitmapBlocksAndAtTheGroupsEnd() {
        // 0x7fc0-0x8080: one word before the block at 0x8000 (too short alone), two after it
        assertEquals("2e200-2e202 2", find(corpusLike(), bitmaps(0x40000, 0x7fc0, 0x8080), 0x40000));
        // frames past the group's last PFN (0x38000) are never freed; up to it they are
        assertEquals("0", find(corpusLike(), bitmaps(0x40000, 0x38000, 0x39000), 0x40000));
        assertEquals("2edfc-2ee00 4", find(corpusLike(), bitmaps(0x40000, 0x37f00, 0x38000), 0x40000));
    }

    @Test
    void cyclesMayEndInsideAWord() {
        PfnBitmap[] b = bitmaps(0x20000, 0x1000, 0x1100, 0x5000, 0x6000);
        String whole = find(corpusLike(), b, 0x20000);
        assertEquals(whole, find(corpusLike(), b, 0x1008, 0x1081, 0x5555, 0x20000));
        assertEquals("2e040-2e044 2e140-2e180 68", whole);
    }

    @Test
    void aHoleInRamBreaksARun() {
        PfnBitmap[] b = bitmaps(0x20000, 0x1000, 0x1200);
        b[0].clear(0x1100); // not RAM: the word 0x1100-0x113f is no longer unused RAM
        assertEquals("2e040-2e044 2e045-2e048 7", find(corpusLike(), b, 0x20000));
    }

    @Test
    void deletionsClearOnlyTheirFramesAndCountWhatWasSet() {
        VmemmapDeletions d = VmemmapDeletions.of(new long[] {20, 10, 12}, new long[] {5, 4, 1}, 3, 10);
        PfnBitmap bits = new PfnBitmap(64);
        bits.reset(8, 40);
        bits.setRange(8, 40);
        bits.clear(21);
        assertEquals(8, d.apply(bits)); // 10-14 and 20-25, 21 already clear
        long[] set = new long[32];
        int n = 0;
        for (long p = bits.nextSetBit(8); p >= 0; p = bits.nextSetBit(p + 1)) {
            set[n++] = p;
        }
        assertArrayEquals(new long[] {8, 9, 14, 15, 16, 17, 18, 19, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
            37, 38, 39}, java.util.Arrays.copyOf(set, n));
        assertEquals(10, d.pages());
    }
}
