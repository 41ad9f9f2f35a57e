package org.vmcore4j.filter;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;

/**
 * One scan: builds the 1st and 2nd bitmaps cycle by cycle with makedumpfile 1.7.9's algorithm
 * (create_bitmap_from_memhole, exclude_nodata_pages, __exclude_unnecessary_pages, exclude_free_page,
 * exclude_zero_pages_cyclic) and counts what it excludes the way makedumpfile does.
 *
 * <p>The struct pages are read and decoded by a {@link StructPageReader} and classified by a
 * {@link PageClassifier}; this class drives the cycles, keeps the bitmaps and the counts, and tests
 * page contents for zeros. Everything is allocated up front; the per-page path works on primitive
 * fields and reused buffers only. Single use, single thread.
 */
final class CycleScanner {
    private static final int PGMM_CACHED = StructPageReader.PGMM_CACHED;

    private final String resource;
    private final DumpLevel level;
    private final int lv;
    private final ZeroPageHandling zeroHandling;
    private final ScanListener listener;
    private final PhysicalMemory memory;
    private final PageLayout layout;
    private final MemMap memMap;
    private final Segments segments;
    private final FreeListWalker freeLists;
    private final long maxMapnr;
    private final long pfnCyclic;
    private final int pageShift;
    private final int pageSize;
    private final boolean classify;
    private final int buddyMode;
    private final long capacity;
    /** The mem_map pass's struct page cache; null when the level does not classify. */
    private final StructPageReader structPages;
    private final PageClassifier classifier;

    private final PfnBitmap ram;
    private final PfnBitmap dump;
    private final PfnBitmap data;
    private final PfnBitmap zero;
    private final FilterCycle view;
    /** Reads pages for the zero test; holds no buffer when this scan does not test. */
    private final PageContents contents;

    private long cs;
    private long ce;
    private long pendStart;
    private long pendEnd;
    private PageClass pendClass = PageClass.KEPT;
    /** Pages excluded per {@link PageClass}, indexed by ordinal. */
    private final long[] counters = new long[PageClass.values().length];
    private long memoryHole;
    private long ramPages;
    private long dumpablePages;
    private boolean warnedOutOfCycle;
    /** Told of every run excluded, with its class ({@link PageFilter#classify}); null when no one asks. */
    private ClassRecorder recorder;

    /** Receives each run of frames a scan excludes and why; runs arrive in no particular order within a cycle. */
    interface ClassRecorder {
        void excluded(PageClass pageClass, long from, long end);
    }
    /** makedumpfile's non-cyclic mode: the 1st bitmap also holds each PT_LOAD's partial last page. */
    private boolean singleCycle;

    CycleScanner(String resource, DumpLevel level, ZeroPageHandling zeroHandling, ScanListener listener,
            PhysicalMemory memory, KernelAddressSpace kas, PageLayout layout, MemMap memMap, Segments segments,
            FreeListWalker freeLists, long maxMapnr, long pfnCyclic, int buddyMode) {
        this.resource = resource;
        this.level = level;
        this.lv = level.value();
        this.zeroHandling = zeroHandling;
        this.listener = listener;
        this.memory = memory;
        this.layout = layout;
        this.memMap = memMap;
        this.segments = segments;
        this.freeLists = freeLists;
        this.maxMapnr = maxMapnr;
        this.pfnCyclic = pfnCyclic;
        this.pageSize = memory.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.buddyMode = buddyMode;
        // create_2nd_bitmap: the mem_map pass runs for levels 2/4/8, whenever PG_hwpoison is known,
        // or for level 16 with buddy identification.
        this.classify = layout != null && ((lv & (DumpLevel.CACHE | DumpLevel.CACHE_PRIVATE | DumpLevel.USER)) != 0
                || layout.pgHwpoison != PageLayout.NF
                || ((lv & DumpLevel.FREE) != 0 && buddyMode != PageClassifier.BUDDY_NONE));
        // A full scan's cycles end at max_mapnr; cycles a writer drives (PageScan) may reach the end of
        // the dump's segments, rounded out to whole bitmap bytes. Never more than one cycle buffer.
        int bits = (int) Math.max(8, Math.min(pfnCyclic, Math.max(maxMapnr, memory.endPfn()) + 16));
        this.capacity = bits;
        ram = new PfnBitmap(bits);
        dump = new PfnBitmap(bits);
        data = new PfnBitmap(bits);
        zero = new PfnBitmap(zeroHandling == ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR && level.excludesZero() ? bits : 8);
        view = new FilterCycle(ram, dump, zero);
        structPages = classify ? new StructPageReader(resource, kas, layout) : null;
        classifier = classify ? new PageClassifier(layout, level, buddyMode) : null;
        boolean testZeros = level.excludesZero() && zeroHandling != ZeroPageHandling.LEAVE_TO_WRITER;
        int runPages = testZeros ? Math.max(1, (256 * 1024) / pageSize) : 0;
        contents = new PageContents(resource, memory, runPages, testZeros);
    }

    FilterReport run(CycleConsumer consumer) throws IOException {
        resetCounts();
        startRange();
        int count = (int) MemMap.ceilDiv(maxMapnr, pfnCyclic);
        int index = 0;
        // first_cycle/update_cycle: cycles start at multiples of pfn_cyclic; the multi-page exclusion
        // state carries from one cycle to the next.
        for (long start = 0; start < maxMapnr; start += pfnCyclic) {
            long end = Math.min(start + pfnCyclic, maxMapnr);
            cycle(start, end, index, count);
            consumer.accept(view);
            listener.progress(end, maxMapnr);
            listener.cycleDone(index, count, start, end);
            index++;
        }
        return report();
    }

    long maxMapnr() {
        return maxMapnr;
    }

    long pfnCyclic() {
        return pfnCyclic;
    }

    /** The most frames the bitmaps hold: one cycle, or less when the whole dump is smaller. */
    long capacity() {
        return capacity;
    }

    /**
     * Builds the 1st bitmap as makedumpfile's non-cyclic mode does (create_1st_bitmap_file): a
     * PT_LOAD's partial last page counts as RAM, and the memory hole is max_mapnr minus the frames
     * counted, load by load.
     */
    void recordClasses(ClassRecorder r) {
        recorder = r;
    }

    void singleCycle(boolean on) {
        this.singleCycle = on;
    }

    /** Counters to zero and the memory hole back to max_mapnr, as makedumpfile does before writing. */
    void resetCounts() {
        Arrays.fill(counters, 0);
        memoryHole = maxMapnr;
        ramPages = 0;
        dumpablePages = 0;
    }

    /** first_cycle: a new run of cycles, with no multi-page exclusion pending from an earlier one. */
    void startRange() {
        pendStart = 0;
        pendEnd = 0;
    }

    /** Builds the bitmaps of {@code [start, end)} into the shared view and returns it. */
    FilterCycle cycle(long start, long end, int index, int count) throws IOException {
        cycle(start, end);
        view.index = index;
        view.count = count;
        ramPages += ram.cardinality();
        dumpablePages += dump.cardinality();
        return view;
    }

    FilterReport report() {
        boolean zeroCounted = level.excludesZero() && zeroHandling != ZeroPageHandling.LEAVE_TO_WRITER;
        return new FilterReport(lv, zeroHandling, memMap == null ? "none (no VMCOREINFO)" : memMap.model,
                maxMapnr, memoryHole, count(PageClass.ZERO), count(PageClass.CACHE), count(PageClass.CACHE_PRIVATE),
                count(PageClass.USER), count(PageClass.FREE) + count(PageClass.UNACCEPTED), count(PageClass.HWPOISON),
                count(PageClass.OFFLINE), count(PageClass.UNACCEPTED),
                ramPages, dumpablePages, zeroCounted || !level.excludesZero(), OptionalLong.empty());
    }

    private long count(PageClass pageClass) {
        return counters[pageClass.ordinal()];
    }

    private void cycle(long start, long end) throws IOException {
        cs = start;
        ce = end;
        ram.reset(cs, ce);
        dump.reset(cs, ce);
        data.reset(cs, ce);
        zero.reset(cs, zeroHandling == ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR && level.excludesZero() ? ce : cs);
        firstBitmap();
        // The 2nd bitmap starts as a copy of the 1st; frames without data (memsz beyond filesz of an
        // ELF PT_LOAD, pages a previous filtering dropped, lost pages of an incomplete dump) leave it
        // uncounted, as exclude_nodata_pages does.
        dump.copyFrom(ram);
        for (int i = 0; i < segments.dataFirstPfn.length; i++) {
            long a = Math.max(segments.dataFirstPfn[i], cs);
            long b = Math.min(segments.dataEndPfn[i], ce);
            if (a < b) {
                data.setRange(a, b);
            }
        }
        for (long p = data.nextSetBit(cs); p >= 0; ) {
            PageStatus st = memory.status(p);
            long runEnd = Math.min(Math.max(memory.statusRunEnd(p), p + 1), ce);
            if (st == PageStatus.EXCLUDED || st == PageStatus.LOST || st == PageStatus.NOT_RAM) {
                data.clearRange(p, runEnd);
                if (st != PageStatus.NOT_RAM) {
                    dump.clearRange(p, runEnd);
                }
            }
            p = runEnd < ce ? data.nextSetBit(runEnd) : -1;
        }
        if (classify) {
            for (int i = 0; i < memMap.count; i++) {
                if (memMap.pfnEnd[i] >= cs && memMap.pfnStart[i] <= ce) {
                    section(memMap.memMap[i], memMap.pfnStart[i], memMap.pfnEnd[i]);
                    listener.progress(Math.max(cs, Math.min(memMap.pfnEnd[i], ce)), maxMapnr);
                }
            }
        }
        if ((lv & DumpLevel.FREE) != 0 && buddyMode == PageClassifier.BUDDY_NONE && freeLists != null) {
            freeLists.walk(this);
        }
        if (level.excludesZero() && zeroHandling != ZeroPageHandling.LEAVE_TO_WRITER) {
            zeroPages();
        }
    }

    /**
     * create_bitmap_from_memhole for the 1st bitmap. Its memory-hole count is reproduced with its own
     * arithmetic (head bits, whole bytes, tail bits), which counts a PT_LOAD that starts and ends
     * inside one byte of the bitmap twice; the bits themselves are the plain range.
     */
    private void firstBitmap() {
        for (int i = 0; i < segments.loadStart.length; i++) {
            long loadEndPfn = segments.loadEnd[i] >>> pageShift;
            if (singleCycle && !segments.exactHoleCount) {
                // create_1st_bitmap_file: capped at max_mapnr, then one more for a partial last page
                loadEndPfn = Math.min(loadEndPfn, maxMapnr) + ((segments.loadEnd[i] & (pageSize - 1)) != 0 ? 1 : 0);
            }
            long pfnStart = Math.max(segments.loadStart[i] >>> pageShift, cs);
            long pfnEnd = Math.min(loadEndPfn, ce);
            if (pfnStart >= pfnEnd) {
                continue;
            }
            long roundUp = Math.min((pfnStart + 7) & ~7L, pfnEnd);
            long roundDown = Math.max(pfnEnd & ~7L, pfnStart);
            if (segments.exactHoleCount || singleCycle) {
                memoryHole -= pfnEnd - pfnStart;
            } else {
                long bytes = Math.max(0, ((roundDown - cs) >>> 3) - ((roundUp - cs) >>> 3));
                memoryHole -= (roundUp - pfnStart) + bytes * 8 + (pfnEnd - roundDown);
            }
            ram.setRange(pfnStart, pfnEnd);
        }
    }

    // ---- the mem_map pass -------------------------------------------------------------------------

    private static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    /** __exclude_unnecessary_pages for one mem_map range, restricted to the current cycle. */
    private void section(long mem, long pfnStart, long pfnEnd) throws IOException {
        final int sizePage = layout.sizePage;
        if (ult(pendStart, pendEnd)) {
            // A compound or free block that crossed the previous cycle's end: finish it first.
            excludeRange(pendClass, pendStart, pendEnd);
            mem += (pendEnd - pfnStart) * sizePage;
            pfnStart = pendEnd;
        }
        final StructPageReader pages = structPages;
        pages.reset();
        // Frames outside the cycle are skipped without effect, so start and stop at its bounds.
        long pfn = pfnStart;
        if (ult(pfn, cs)) {
            mem += (cs - pfn) * sizePage;
            pfn = cs;
        }
        long stop = ult(pfnEnd, ce) ? pfnEnd : ce;
        final PageLayout L = layout;
        for (; ult(pfn, stop); pfn++, mem += sizePage) {
            if (!data.get(pfn)) {
                continue; // not in a segment (is_in_segs)
            }
            int index = (int) (pfn & (PGMM_CACHED - 1));
            int pc = index * sizePage;
            if (!pages.holds(pfn)) {
                long n = ult(((pfn + 1 + PGMM_CACHED - 1) & ~(long) (PGMM_CACHED - 1)), pfnEnd)
                        ? PGMM_CACHED - index : pfnEnd - pfn;
                pages.read(mem, pc, (int) n, pfn);
            }
            long flags = pages.flags(pc);
            long mapping = pages.mapping(pc);
            int mapcount = pages.mapcount(pc);
            int order = 0;
            long dtor = 0;
            // The first tail page holds order and destructor; a head in the cache's last slot has no
            // successor loaded, and makedumpfile then leaves the order at 0 (heads are aligned, so only
            // an order-0 "head" can sit there).
            if (index < PGMM_CACHED - 1 && (flags & L.pgHeadMask) != 0) {
                int tail = pc + sizePage;
                order = pages.compoundOrder(tail);
                dtor = pages.compoundDestructor(tail, mapcount);
                if (order >= 64 || (pfn & ((1L << order) - 1)) != 0) {
                    order = 0; // not a plausible order for this frame
                }
            }
            long compoundHead = pages.compoundHead(pc);
            long priv = pages.privateField(pc);
            // makedumpfile computes the page count as a C int shift (1 << order): the shift count is
            // taken modulo 32 and 1 << 31 is negative. Java's int shift does the same.
            long nr = 1 << order;
            if ((compoundHead & 1) != 0) {
                continue; // a tail page: excluded, or kept, with its head
            }
            PageClass pageClass = classifier.classify(flags, mapping, mapcount, dtor);
            if (pageClass == PageClass.KEPT) {
                continue;
            } else if (pageClass == PageClass.FREE) {
                if (L.freeAreaLength != PageLayout.NF && Long.compareUnsigned(priv, L.freeAreaLength) >= 0) {
                    listener.warning(String.format(Locale.ROOT, "Invalid free page order: pfn=%x, order=%d, max order=%d", pfn,
                            priv, L.freeAreaLength - 1));
                    continue;
                }
                nr = 1 << (int) priv;
            } else if (pageClass == PageClass.UNACCEPTED) {
                // Unaccepted memory sits on its list only in blocks of the largest buddy order.
                nr = 1 << (int) (L.freeAreaLength - 1);
            }
            if (nr == 1) {
                counters[pageClass.ordinal()]++;
                dump.clear(pfn);
                if (recorder != null) {
                    recorder.excluded(pageClass, pfn, pfn + 1);
                }
            } else {
                excludeRange(pageClass, pfn, pfn + nr);
                if (nr < 0) {
                    // A corrupt order of 31 (or 63): makedumpfile's arithmetic either ran the exclusion to
                    // the end of memory (done above) or steps backwards forever; stop this range here.
                    break;
                }
                pfn += nr - 1;
                mem += (nr - 1) * sizePage;
            }
        }
    }

    /**
     * exclude_range: clears {@code [from, end)} within the cycle, counting each frame, and leaves
     * whatever lies beyond the cycle's end for the next cycle.
     */
    private void excludeRange(PageClass pageClass, long from, long end) {
        pendStart = ce;
        pendEnd = end;
        pendClass = pageClass;
        if (ult(ce, end)) {
            end = ce;
        }
        long a = ult(from, cs) ? cs : from;
        if (ult(a, end)) {
            counters[pageClass.ordinal()] += end - a;
            dump.clearRange(a, end);
            if (recorder != null) {
                recorder.excluded(pageClass, a, end);
            }
        }
    }

    /** Clears a block found on a free list, counting the frames that lie in the cycle. */
    void excludeFreeBlock(long startPfn, long pages) {
        long a = Math.max(startPfn, cs);
        long b = startPfn + pages < startPfn ? ce : Math.min(startPfn + pages, ce);
        if (a < b) {
            counters[PageClass.FREE.ordinal()] += b - a;
            dump.clearRange(a, b);
            if (recorder != null) {
                recorder.excluded(PageClass.FREE, a, b);
            }
        }
        if ((startPfn < cs || Long.compareUnsigned(startPfn + pages, ce) > 0) && !warnedOutOfCycle) {
            // Each cycle walks every free list, so blocks of other cycles show up; makedumpfile warns once.
            warnedOutOfCycle = true;
            listener.warning(String.format(Locale.ROOT, "PFN out of cycle range. (pfn:%x, cycle:[%x-%x])",
                    startPfn < cs ? startPfn : ce, cs, ce));
        }
    }

    // ---- zero pages -------------------------------------------------------------------------------

    /**
     * Tests every dumpable page of the cycle (ELF: only those whose first byte is in a segment, as
     * is_in_segs there) and either removes zero pages (ELF) or flags them (kdump). Contiguous pages
     * are read together.
     */
    private void zeroPages() throws IOException {
        boolean elf = zeroHandling == ZeroPageHandling.ELF_REMOVE;
        int maxRun = contents.maxRun();
        long p = dump.nextSetBit(cs);
        while (p >= 0) {
            if (elf && !data.get(p)) {
                p = dump.nextSetBit(p + 1);
                continue;
            }
            int run = 1;
            while (run < maxRun && p + run < ce && dump.get(p + run) && (!elf || data.get(p + run))) {
                run++;
            }
            contents.read(p, run);
            for (int i = 0; i < run; i++) {
                if (contents.isZero(i)) {
                    counters[PageClass.ZERO.ordinal()]++;
                    if (recorder != null) {
                        recorder.excluded(PageClass.ZERO, p + i, p + i + 1);
                    }
                    if (elf) {
                        dump.clear(p + i);
                    } else {
                        zero.set(p + i);
                    }
                }
            }
            p = dump.nextSetBit(p + run);
        }
    }

    // ---- accessors for the free-list walk -----------------------------------------------------------

    long cycleStart() {
        return cs;
    }

    long cycleEnd() {
        return ce;
    }
}
