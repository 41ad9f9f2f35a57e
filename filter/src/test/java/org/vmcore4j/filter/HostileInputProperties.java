package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Damaged and hostile dumps: absurd VMCOREINFO values, struct pages full of garbage (every flag set
 * included), mem_maps and section tables pointing outside memory, free lists that loop or lie. The
 * scan must end, promptly, in either a clear {@link VmcoreFormatException} (of which
 * {@link UnsupportedKernelException} is one) or a result that keeps its invariants: the dumpable
 * bitmap inside the RAM bitmap, within max_mapnr, counts never negative.
 */
class HostileInputProperties {

    /** VMCOREINFO keys the classifier reads, and values a damaged or hostile note might carry. */
    static final String[] KEYS = {"SIZE(page)", "OFFSET(page.flags)", "OFFSET(page._refcount)", "OFFSET(page.mapping)",
        "OFFSET(page.lru)", "OFFSET(page._mapcount)", "OFFSET(page.private)", "OFFSET(page.compound_head)",
        "OFFSET(page.compound_dtor)", "OFFSET(page.compound_order)", "OFFSET(folio._folio_dtor)",
        "OFFSET(folio._folio_order)", "SIZE(mem_section)", "OFFSET(mem_section.section_mem_map)",
        "LENGTH(mem_section)", "NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)", "SYMBOL(mem_section)",
        "SYMBOL(mem_map)", "NUMBER(PG_lru)", "NUMBER(PG_private)", "NUMBER(PG_swapcache)", "NUMBER(PG_swapbacked)",
        "NUMBER(PG_slab)", "NUMBER(PG_hwpoison)", "NUMBER(PG_head_mask)", "NUMBER(PG_buddy)", "NUMBER(PG_hugetlb)",
        "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)",
        "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)", "NUMBER(HUGETLB_PAGE_DTOR)",
        "LENGTH(zone.free_area)", "LENGTH(free_area.free_list)", "SIZE(zone)", "SIZE(free_area)", "SIZE(list_head)",
        "SIZE(nodemask_t)", "OFFSET(zone.free_area)", "OFFSET(zone.spanned_pages)", "OFFSET(pglist_data.nr_zones)",
        "OFFSET(list_head.next)", "OFFSET(list_head.prev)", "SYMBOL(node_data)", "SYMBOL(node_online_map)",
        "SYMBOL(free_huge_page)", "PAGESIZE", "OSRELEASE", "NUMBER(pgtable_l5_enabled)"};
    static final String[] VALUES = {"0", "1", "-1", "-2", "7", "31", "32", "63", "64", "65", "4095", "4096", "65536",
        "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808", "0x7fffffffffffffff",
        "ffffffffffffffff", "ffffea0000000000", "ffff888000000000", "garbage", "", "0x", "1e9", "99.5"};

    static String mutate(String text, String key, String value) {
        List<String> out = new ArrayList<>();
        boolean done = false;
        for (String line : text.split("\n")) {
            if (!done && line.startsWith(key + "=")) {
                done = true;
                if (value != null) {
                    out.add(key + "=" + value);
                }
            } else {
                out.add(line);
            }
        }
        if (!done && value != null) {
            out.add(0, key + "=" + value);
        }
        return String.join("\n", out) + "\n";
    }

    /** Runs a scan and checks the result's invariants, or that it failed with a clear error; says which. */
    static String scanSafely(FakeDump d, int level, long cycleBytes) {
        PageFilter f = PageFilter.forLevel(level).withCycleBufferBytes(cycleBytes);
        long endPfn = d.physicalMemory().endPfn();
        try {
            long[] last = {0};
            FilterReport r = f.scan(d, c -> {
                assertEquals(last[0], c.startPfn());
                last[0] = c.endPfn();
                assertTrue(c.endPfn() <= endPfn);
                for (long p = c.dumpable().nextSetBit(c.startPfn()); p >= 0; p = c.dumpable().nextSetBit(p + 1)) {
                    assertTrue(c.ram().get(p), "dumpable but not RAM: " + p);
                }
            });
            assertEquals(r.totalPages(), last[0]);
            assertTrue(r.totalPages() <= endPfn);
            for (long v : new long[] {r.zeroPages(), r.cachePages(), r.cachePrivatePages(), r.userPages(),
                r.freePages(), r.hwpoisonPages(), r.offlinePages(), r.dumpablePages(), r.ramPages()}) {
                assertTrue(v >= 0, r.toString());
            }
            assertTrue(r.dumpablePages() <= r.ramPages());
            return "result";
        } catch (VmcoreFormatException e) {
            assertFalse(e.getMessage().isBlank());
            assertTrue(e.getMessage().contains("fake-dump"), e.getMessage());
            return "format error";
        } catch (UnsupportedKernelException e) {
            assertFalse(e.getMessage().isBlank());
            assertTrue(e.getMessage().contains("fake-dump"), e.getMessage());
            return "unsupported";
        } catch (IOException e) {
            throw new AssertionError("an I/O error other than a clear format error escaped: " + e, e);
        }
    }

    @Property(tries = 10_000)
    void absurdVmcoreInfoValuesEndInAnErrorOrABoundedResult(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int n,
            @ForAll @IntRange(min = 0, max = 31) int level) {
        Random r = new Random(seed);
        SyntheticKernel k = SyntheticKernel.random(seed, 300);
        FakeDump d = k.build();
        for (int i = 0; i < n; i++) {
            String key = KEYS[r.nextInt(KEYS.length)];
            String value = r.nextInt(6) == 0 ? null : r.nextInt(5) == 0 ? Long.toString(r.nextLong())
                    : VALUES[r.nextInt(VALUES.length)];
            d.vmcoreInfoText = mutate(d.vmcoreInfoText, key, value);
        }
        Statistics.collect(scanSafely(d, level, r.nextBoolean() ? 0 : 1 + r.nextInt(300)));
        Statistics.coverage(c -> {
            c.check("result").percentage(p -> p > 10);
            c.check("unsupported").percentage(p -> p > 10);
        });
    }

    @Property(tries = 10_000)
    void garbageStructPagesGiveABoundedResult(@ForAll long seed, @ForAll @IntRange(min = 0, max = 31) int level) {
        Random r = new Random(seed);
        SyntheticKernel k = SyntheticKernel.random(seed, 300);
        FakeDump d = k.build();
        int pages = 1 + r.nextInt(40);
        for (int i = 0; i < pages; i++) {
            long pfn = r.nextInt(k.maxPfn);
            if (!k.hasMemMap[(int) pfn]) {
                continue;
            }
            long phys = SyntheticKernel.structPagePhys(d, pfn);
            int mode = r.nextInt(4);
            for (int off = 0; off < SyntheticKernel.SIZE_PAGE; off += 8) {
                long v = switch (mode) {
                    case 0 -> -1L; // every flag set, every field all ones
                    case 1 -> r.nextLong();
                    case 2 -> r.nextBoolean() ? -1L : 0x8000000080000000L;
                    default -> (long) r.nextInt(70) | ((long) r.nextInt() << 32);
                };
                d.putLong(phys + off, v);
            }
        }
        Statistics.collect(scanSafely(d, level, r.nextInt(3) == 0 ? 1 + r.nextInt(300) : 0));
        Statistics.coverage(c -> c.check("result").percentage(p -> p > 50));
    }

    @Property(tries = 10_000)
    void tablesPointingOutsideMemoryEndInAnErrorOrABoundedResult(@ForAll long seed,
            @ForAll @IntRange(min = 0, max = 31) int level) {
        Random r = new Random(seed);
        SyntheticKernel k = SyntheticKernel.random(seed, 300);
        FakeDump d = k.build();
        long[] targets = {0, 1, -1, 0x1000, SyntheticKernel.VMEMMAP + (1L << 40), SyntheticKernel.PAGE_OFFSET + (1L << 44),
            SyntheticKernel.VMEMMAP - 4096, r.nextLong(), SyntheticKernel.PAGE_OFFSET, 0xdead000000000000L};
        long target = targets[r.nextInt(targets.length)];
        switch (r.nextInt(4)) {
            case 0 -> {
                // the section table's root pointer (or the FLATMEM mem_map pointer)
                d.putLong((k.kernelStart) * 4096L, target);
            }
            case 1 -> {
                // a section's encoded mem_map
                d.putLong((k.kernelStart + 1) * 4096L + 32L * r.nextInt(4), target | (r.nextBoolean() ? 3 : 0));
            }
            case 2 -> {
                // unmap part of the vmemmap
                List<Long> keys = new ArrayList<>(d.pageMap.keySet());
                for (int i = 0; i < 1 + r.nextInt(8) && !keys.isEmpty(); i++) {
                    d.pageMap.remove(keys.get(r.nextInt(keys.size())));
                }
            }
            default -> {
                // a vmemmap page mapped to a frame that is not RAM
                List<Long> keys = new ArrayList<>(d.pageMap.keySet());
                if (!keys.isEmpty()) {
                    d.pageMap.put(keys.get(r.nextInt(keys.size())), (long) k.maxPfn + 100 + r.nextInt(1000));
                }
            }
        }
        Statistics.collect(scanSafely(d, level, 0));
        Statistics.coverage(c -> {
            c.check("result").percentage(p -> p > 5);
            c.check("format error").percentage(p -> p > 5);
            c.check("unsupported").percentage(p -> p > 5);
        });
    }

    /** Kernels whose free pages are found on the free lists, with lists that loop, cross or lie. */
    @Property(tries = 10_000)
    void brokenFreeListsEndInAnErrorOrABoundedResult(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int edits) {
        Random r = new Random(seed);
        SyntheticKernel k;
        long s = seed;
        do {
            k = SyntheticKernel.random(s++, 300);
        } while (k.gen != SyntheticKernel.Gen.V6_1_NO_MAPCOUNT);
        FakeDump d = k.build();
        List<Long> links = new ArrayList<>();
        for (int[] b : k.freeBlocks) {
            links.add(SyntheticKernel.structPageVaddr(b[0]) + 8);
        }
        for (int i = 0; i < edits; i++) {
            long at = links.isEmpty() ? SyntheticKernel.structPageVaddr(1) + 8 : links.get(r.nextInt(links.size()));
            long to = switch (r.nextInt(5)) {
                case 0 -> at; // points at itself
                case 1 -> links.isEmpty() ? at : links.get(r.nextInt(links.size())); // jumps elsewhere: a loop
                case 2 -> 0;
                case 3 -> r.nextLong();
                default -> SyntheticKernel.PAGE_OFFSET + (long) (k.kernelStart + 3) * 4096 + 1536 + 256; // a list head
            };
            SyntheticKernel.writeVirtLong(d, at + (r.nextBoolean() ? 0 : 8), to);
        }
        Statistics.collect(scanSafely(d, 16 + r.nextInt(16), r.nextBoolean() ? 0 : 8 + r.nextInt(200)));
        Statistics.coverage(c -> {
            c.check("result").percentage(p -> p > 0.5);
            c.check("format error").percentage(p -> p > 30);
        });
    }

    @Test
    void aFreeListThatLoopsIsReportedAsBroken() throws IOException {
        SyntheticKernel k = null;
        for (long seed = 0; k == null || k.gen != SyntheticKernel.Gen.V6_1_NO_MAPCOUNT || k.freeBlocks.size() < 3; seed++) {
            k = SyntheticKernel.random(seed, 600);
        }
        FakeDump d = k.build();
        // make the list of the first block loop back onto itself: block.next = block
        long a = SyntheticKernel.structPageVaddr(k.freeBlocks.get(0)[0]) + 8;
        SyntheticKernel.writeVirtLong(d, a, a);
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> PageFilter.forLevel(31).count(d));
        assertTrue(e.getMessage().contains("free list"), e.getMessage());
    }

    @Test
    void everyFlagSetInEveryStructPageStillEnds() throws IOException {
        SyntheticKernel k = SyntheticKernel.random(3, 600);
        FakeDump d = k.build();
        for (int p = 0; p < k.maxPfn; p++) {
            if (k.hasMemMap[p]) {
                long phys = SyntheticKernel.structPagePhys(d, p);
                for (int off = 0; off < 64; off += 8) {
                    d.putLong(phys + off, -1L);
                }
            }
        }
        for (int level = 0; level <= 31; level++) {
            scanSafely(d, level, 0);
            scanSafely(d, level, 64);
        }
        // all ones: every page is a tail (compound_head bit 0), so nothing is classified
        if (k.gen.compoundHead) {
            FilterReport r = PageFilter.forLevel(31).withZeroPages(ZeroPageHandling.LEAVE_TO_WRITER).count(d);
            assertEquals(r.ramPages(), r.dumpablePages(), r.toString());
        }
    }

    @Test
    void aMemMapOutsideMemoryNamesTheFrames() {
        SyntheticKernel k = SyntheticKernel.random(5, 600);
        FakeDump d = k.build();
        d.pageMap.clear(); // no struct page is readable
        d.linear.clear();
        IOException e = assertThrows(IOException.class, () -> PageFilter.forLevel(31).count(d));
        assertTrue(e instanceof VmcoreFormatException, e.toString());
        assertTrue(e.getMessage().contains("mem_map") || e.getMessage().contains("struct page"), e.getMessage());
    }
}
