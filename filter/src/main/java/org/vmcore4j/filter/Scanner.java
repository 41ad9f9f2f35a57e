package org.vmcore4j.filter;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * One scan: builds the 1st and 2nd bitmaps cycle by cycle with makedumpfile 1.7.9's algorithm
 * (create_bitmap_from_memhole, exclude_nodata_pages, __exclude_unnecessary_pages, exclude_free_page,
 * exclude_zero_pages_cyclic) and counts what it excludes the way makedumpfile does.
 *
 * <p>Everything is allocated up front; the per-page path works on primitive fields and reused
 * buffers only. Single use, single thread.
 */
final class Scanner {
    /** makedumpfile's PGMM_CACHED: struct pages read per request, and the alignment of those reads. */
    static final int PGMM_CACHED = 512;
    /** Destructor value makedumpfile uses to say "hugetlb" on 6.6+ kernels (IS_HUGETLB). */
    private static final long IS_HUGETLB = -1L;

    static final int ZERO = 0;
    static final int CACHE = 1;
    static final int CACHE_PRIVATE = 2;
    static final int USER = 3;
    static final int FREE = 4;
    static final int HWPOISON = 5;
    static final int OFFLINE = 6;
    /** Unaccepted memory: reported as free (as makedumpfile does), tracked apart for information. */
    static final int UNACCEPTED = 7;

    static final int BUDDY_NONE = 0;
    static final int BUDDY_FLAG = 2;
    static final int BUDDY_MAPCOUNT = 3;

    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private final String resource;
    private final DumpLevel level;
    private final int lv;
    private final ZeroPageHandling zeroHandling;
    private final ScanListener listener;
    private final PhysicalMemory memory;
    private final KernelAddressSpace kas;
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
    private final boolean bigEndian;
    private final long capacity;

    private final PfnBitmap ram;
    private final PfnBitmap dump;
    private final PfnBitmap data;
    private final PfnBitmap zero;
    private final FilterCycle view;
    private final byte[] pageCache;
    /**
     * {@link #pageCache} again as 64-bit words in the dump's byte order, converted in bulk after each
     * read: struct page fields then cost a plain array load, even before the JIT compiles the scan
     * (a VarHandle read costs a chain of calls until then, which made the first scan several times
     * slower than later ones; a collector scans once).
     */
    private final long[] pageWords;
    private final byte[] pageBuf;
    private final byte[] zeroPage;

    private long cs;
    private long ce;
    private long pendStart;
    private long pendEnd;
    private int pendCounter;
    private final long[] counters = new long[8];
    private long memoryHole;
    private long ramPages;
    private long dumpablePages;
    private long readStart;
    private long readEnd;
    private boolean warnedOutOfCycle;
    /** makedumpfile's non-cyclic mode: the 1st bitmap also holds each PT_LOAD's partial last page. */
    private boolean singleCycle;

    Scanner(String resource, DumpLevel level, ZeroPageHandling zeroHandling, ScanListener listener,
            PhysicalMemory memory, KernelAddressSpace kas, PageLayout layout, MemMap memMap, Segments segments,
            FreeListWalker freeLists, long maxMapnr, long pfnCyclic, int buddyMode) {
        this.resource = resource;
        this.level = level;
        this.lv = level.value();
        this.zeroHandling = zeroHandling;
        this.listener = listener;
        this.memory = memory;
        this.kas = kas;
        this.layout = layout;
        this.memMap = memMap;
        this.segments = segments;
        this.freeLists = freeLists;
        this.maxMapnr = maxMapnr;
        this.pfnCyclic = pfnCyclic;
        this.pageSize = memory.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.buddyMode = buddyMode;
        this.bigEndian = kas != null && kas.byteOrder() == ByteOrder.BIG_ENDIAN;
        // create_2nd_bitmap: the mem_map pass runs for levels 2/4/8, whenever PG_hwpoison is known,
        // or for level 16 with buddy identification.
        this.classify = layout != null && ((lv & (DumpLevel.CACHE | DumpLevel.CACHE_PRIVATE | DumpLevel.USER)) != 0
                || layout.pgHwpoison != PageLayout.NF
                || ((lv & DumpLevel.FREE) != 0 && buddyMode != BUDDY_NONE));
        // A full scan's cycles end at max_mapnr; cycles a writer drives (PageScan) may reach the end of
        // the dump's segments, rounded out to whole bitmap bytes. Never more than one cycle buffer.
        int bits = (int) Math.max(8, Math.min(pfnCyclic, Math.max(maxMapnr, memory.endPfn()) + 16));
        this.capacity = bits;
        ram = new PfnBitmap(bits);
        dump = new PfnBitmap(bits);
        data = new PfnBitmap(bits);
        zero = new PfnBitmap(zeroHandling == ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR && level.excludesZero() ? bits : 8);
        view = new FilterCycle(ram, dump, zero);
        pageCache = classify ? new byte[(PGMM_CACHED * layout.sizePage + 7) & ~7] : new byte[0];
        pageWords = new long[pageCache.length >>> 3];
        boolean testZeros = level.excludesZero() && zeroHandling != ZeroPageHandling.LEAVE_TO_WRITER;
        int runPages = testZeros ? Math.max(1, (256 * 1024) / pageSize) : 0;
        pageBuf = new byte[runPages * pageSize];
        zeroPage = new byte[testZeros ? pageSize : 0];
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
                maxMapnr, memoryHole, counters[ZERO], counters[CACHE], counters[CACHE_PRIVATE], counters[USER],
                counters[FREE] + counters[UNACCEPTED], counters[HWPOISON], counters[OFFLINE], counters[UNACCEPTED],
                ramPages, dumpablePages, zeroCounted || !level.excludesZero(), OptionalLong.empty());
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
        if ((lv & DumpLevel.FREE) != 0 && buddyMode == BUDDY_NONE && freeLists != null) {
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
            excludeRange(pendCounter, pendStart, pendEnd);
            mem += (pendEnd - pfnStart) * sizePage;
            pfnStart = pendEnd;
        }
        readStart = -1L;
        readEnd = 0;
        Arrays.fill(pageCache, (byte) 0);
        Arrays.fill(pageWords, 0L);
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
            if (ult(pfn, readStart) || ult(readEnd, pfn)) {
                long n = ult(((pfn + 1 + PGMM_CACHED - 1) & ~(long) (PGMM_CACHED - 1)), pfnEnd)
                        ? PGMM_CACHED - index : pfnEnd - pfn;
                readStructPages(mem, pc, (int) n, pfn);
                readStart = pfn;
                readEnd = pfn + n - 1;
            }
            long flags = ulong(pc + L.offFlags);
            long mapping = ulong(pc + L.offMapping);
            int mapcount = L.offMapcount != PageLayout.NF ? uint(pc + (int) L.offMapcount) : 0;
            int order = 0;
            long dtor = 0;
            // The first tail page holds order and destructor; a head in the cache's last slot has no
            // successor loaded, and makedumpfile then leaves the order at 0 (heads are aligned, so only
            // an order-0 "head" can sit there).
            if (index < PGMM_CACHED - 1 && (flags & L.pgHeadMask) != 0) {
                int tail = pc + sizePage;
                if (L.hugetlbMapcount != PageLayout.NF) {
                    // 6.9+: order in the low byte of folio._flags_1; hugetlb is a page type.
                    order = (int) (ulong(tail + L.offFlags) & 0xff);
                    if (mapcount == (int) L.hugetlbMapcount) {
                        dtor = IS_HUGETLB;
                    }
                } else if (L.pgHugetlb != PageLayout.NF) {
                    // 6.6-6.8: order in _flags_1's low byte, hugetlb a flag there.
                    long flags1 = ulong(tail + L.offFlags);
                    order = (int) (flags1 & 0xff);
                    if ((flags1 & (1L << L.pgHugetlb)) != 0) {
                        dtor = IS_HUGETLB;
                    }
                } else {
                    if (L.orderOffset != 0) {
                        order = L.orderWidth == 1 ? ubyte(tail + L.orderOffset) : ushort(tail + L.orderOffset);
                    }
                    if (L.dtorOffset != 0) {
                        dtor = L.dtorWidth == 1 ? ubyte(tail + L.dtorOffset)
                                : L.dtorWidth == 2 ? ushort(tail + L.dtorOffset) : ulong(tail + L.dtorOffset);
                    }
                }
                if (order >= 64 || (pfn & ((1L << order) - 1)) != 0) {
                    order = 0; // not a plausible order for this frame
                }
            }
            long compoundHead = L.offCompoundHead != PageLayout.NF ? ulong(pc + (int) L.offCompoundHead) : 0;
            long priv = L.offPrivate != PageLayout.NF ? ulong(pc + (int) L.offPrivate) : 0;
            // makedumpfile computes the page count as a C int shift (1 << order): the shift count is
            // taken modulo 32 and 1 << 31 is negative. Java's int shift does the same.
            long nr = 1 << order;
            int counter;
            if ((compoundHead & 1) != 0) {
                continue; // a tail page: excluded, or kept, with its head
            } else if ((lv & DumpLevel.FREE) != 0 && buddyMode != BUDDY_NONE && isBuddy(flags, mapcount)) {
                if (L.freeAreaLength != PageLayout.NF && Long.compareUnsigned(priv, L.freeAreaLength) >= 0) {
                    listener.warning(String.format(Locale.ROOT, "Invalid free page order: pfn=%x, order=%d, max order=%d", pfn,
                            priv, L.freeAreaLength - 1));
                    continue;
                }
                nr = 1 << (int) priv;
                counter = FREE;
            } else if ((lv & DumpLevel.FREE) != 0 && L.unacceptedMapcount != PageLayout.NF
                    && mapcount == (int) L.unacceptedMapcount) {
                // Unaccepted memory sits on its list only in blocks of the largest buddy order.
                nr = 1 << (int) (L.freeAreaLength - 1);
                counter = UNACCEPTED;
            } else if ((lv & DumpLevel.CACHE) != 0 && isCache(flags) && !testBit(L.pgPrivate, flags)
                    && !isAnon(mapping, flags, mapcount)) {
                counter = CACHE;
            } else if ((lv & DumpLevel.CACHE_PRIVATE) != 0 && isCache(flags) && !isAnon(mapping, flags, mapcount)) {
                counter = testBit(L.pgPrivate, flags) ? CACHE_PRIVATE : CACHE;
            } else if ((lv & DumpLevel.USER) != 0 && (isAnon(mapping, flags, mapcount) || isHugetlb(dtor))) {
                counter = USER;
            } else if (L.pgHwpoison != PageLayout.NF && testBit(L.pgHwpoison, flags)) {
                counter = HWPOISON;
            } else if (isOffline(flags, mapcount)) {
                counter = OFFLINE;
            } else {
                continue;
            }
            if (nr == 1) {
                counters[counter]++;
                dump.clear(pfn);
            } else {
                excludeRange(counter, pfn, pfn + nr);
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
    private void excludeRange(int counter, long from, long end) {
        pendStart = ce;
        pendEnd = end;
        pendCounter = counter;
        if (ult(ce, end)) {
            end = ce;
        }
        long a = ult(from, cs) ? cs : from;
        if (ult(a, end)) {
            counters[counter] += end - a;
            dump.clearRange(a, end);
        }
    }

    /** Clears a block found on a free list, counting the frames that lie in the cycle. */
    void excludeFreeBlock(long startPfn, long pages) {
        long a = Math.max(startPfn, cs);
        long b = startPfn + pages < startPfn ? ce : Math.min(startPfn + pages, ce);
        if (a < b) {
            counters[FREE] += b - a;
            dump.clearRange(a, b);
        }
        if ((startPfn < cs || Long.compareUnsigned(startPfn + pages, ce) > 0) && !warnedOutOfCycle) {
            // Each cycle walks every free list, so blocks of other cycles show up; makedumpfile warns once.
            warnedOutOfCycle = true;
            listener.warning(String.format(Locale.ROOT, "PFN out of cycle range. (pfn:%x, cycle:[%x-%x])",
                    startPfn < cs ? startPfn : ce, cs, ce));
        }
    }

    private void readStructPages(long vaddr, int off, int n, long pfn) throws IOException {
        try {
            kas.read(vaddr, pageCache, off, n * layout.sizePage);
            int from = off >>> 3;
            int to = (off + n * layout.sizePage + 7) >>> 3;
            ByteBuffer.wrap(pageCache, from << 3, (to - from) << 3)
                    .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                    .get(pageWords, from, to - from);
        } catch (MemoryAccessException e) {
            throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                    "cannot read the struct pages of PFNs 0x%x-0x%x at kernel address 0x%x (mem_map): %s", pfn,
                    pfn + n - 1, vaddr, e.getMessage()), e);
        }
    }

    private boolean isBuddy(long flags, int mapcount) {
        if (buddyMode == BUDDY_FLAG) {
            return (flags & (1L << layout.pgBuddy)) != 0; // 2.6.17-2.6.37: PG_buddy
        }
        return !isSlab(flags, mapcount) && mapcount == (int) layout.buddyMapcount;
    }

    /**
     * makedumpfile's test_bit: the bit number is taken modulo 32 and the mask is a C int, so bit 31
     * sign-extends and tests bits 31-63 together. Reproduced so the same pages match.
     */
    private static boolean testBit(long nr, long flags) {
        long mask = 1 << (int) (nr & 0x1f);
        return (mask & flags) != 0;
    }

    private boolean isSlab(long flags, int mapcount) {
        if (layout.slabMapcount != PageLayout.NF && mapcount == (int) layout.slabMapcount) {
            return true;
        }
        return (flags & (1L << layout.pgSlab)) != 0;
    }

    private boolean isAnon(long mapping, long flags, int mapcount) {
        return (mapping & 1) != 0 && !isSlab(flags, mapcount); // PAGE_MAPPING_ANON; KSM pages too
    }

    private boolean isCache(long flags) {
        if (testBit(layout.pgLru, flags)) {
            return true;
        }
        // PG_swapcache means something only with PG_swapbacked set, or before PG_swapbacked existed.
        return (layout.pgSwapbacked == PageLayout.NF || testBit(layout.pgSwapbacked, flags))
                && testBit(layout.pgSwapcache, flags);
    }

    private boolean isHugetlb(long dtor) {
        return dtor == IS_HUGETLB
                || (layout.hugetlbDtor != PageLayout.NF && layout.hugetlbDtor == dtor)
                || (layout.freeHugePage != 0 && layout.freeHugePage == dtor);
    }

    private boolean isOffline(long flags, int mapcount) {
        if (layout.offlineMapcount == PageLayout.NF || isSlab(flags, mapcount)) {
            return false;
        }
        return mapcount == (int) layout.offlineMapcount;
    }

    private long ulong(int off) {
        if ((off & 7) == 0) {
            return pageWords[off >>> 3];
        }
        return bigEndian ? (long) BE_LONG.get(pageCache, off) : (long) LE_LONG.get(pageCache, off);
    }

    private int uint(int off) {
        if ((off & 3) == 0) {
            long w = pageWords[off >>> 3];
            // little endian: the second half of the word is its high 32 bits; big endian: the first half
            boolean high = ((off & 4) != 0) != bigEndian;
            return (int) (high ? w >>> 32 : w);
        }
        return bigEndian ? (int) BE_INT.get(pageCache, off) : (int) LE_INT.get(pageCache, off);
    }

    private int ushort(int off) {
        if ((off & 1) == 0) {
            int shift = bigEndian ? (6 - (off & 7)) << 3 : (off & 7) << 3;
            return (int) (pageWords[off >>> 3] >>> shift) & 0xffff;
        }
        return Short.toUnsignedInt(bigEndian ? (short) BE_SHORT.get(pageCache, off) : (short) LE_SHORT.get(pageCache, off));
    }

    private int ubyte(int off) {
        return pageCache[off] & 0xff;
    }

    // ---- zero pages -------------------------------------------------------------------------------

    /**
     * Tests every dumpable page of the cycle (ELF: only those whose first byte is in a segment, as
     * is_in_segs there) and either removes zero pages (ELF) or flags them (kdump). Contiguous pages
     * are read together.
     */
    private void zeroPages() throws IOException {
        boolean elf = zeroHandling == ZeroPageHandling.ELF_REMOVE;
        int maxRun = pageBuf.length / pageSize;
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
            readPages(p, run);
            for (int i = 0; i < run; i++) {
                int off = i * pageSize;
                if (Arrays.mismatch(pageBuf, off, off + pageSize, zeroPage, 0, pageSize) < 0) {
                    counters[ZERO]++;
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

    private void readPages(long pfn, int run) throws IOException {
        try {
            memory.read(pfn << pageShift, pageBuf, 0, run * pageSize);
        } catch (MemoryAccessException e) {
            if (run == 1) {
                throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                        "cannot read page 0x%x to test it for zeros: %s", pfn, e.getMessage()), e);
            }
            for (int i = 0; i < run; i++) {
                readOne(pfn + i, i * pageSize);
            }
        }
    }

    private void readOne(long pfn, int off) throws IOException {
        try {
            memory.read(pfn << pageShift, pageBuf, off, pageSize);
        } catch (MemoryAccessException e) {
            throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                    "cannot read page 0x%x to test it for zeros: %s", pfn, e.getMessage()), e);
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
