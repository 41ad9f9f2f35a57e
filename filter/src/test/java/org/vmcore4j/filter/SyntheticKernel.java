package org.vmcore4j.filter;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;

/**
 * A synthetic x86_64 kernel memory image for tests: RAM segments tiled with kernel-consistent
 * objects (plain kernel pages, page cache, anonymous, slab, free buddy blocks, compound pages,
 * hugetlb, hwpoison, offline, unaccepted), their struct pages in a vmemmap, a SPARSEMEM (EXTREME or
 * not) section table or a FLATMEM mem_map pointer, free lists where the generation needs them, and
 * the VMCOREINFO that describes it all, for several kernel generations.
 *
 * <p>The logical model (the decoded struct page fields per frame) is kept so that
 * {@link #expect} can compute, without cycles, caches or byte decoding, what makedumpfile 1.7.9's
 * rules give; the scan under test reads only the bytes.
 */
final class SyntheticKernel {
    static final long PAGE_OFFSET = 0xffff888000000000L;
    static final long VMEMMAP = 0xffffea0000000000L;
    static final long KTEXT = 0xffffffff81000000L;
    static final long FREE_HUGE_PAGE = 0xffffffff81234560L;
    static final int SIZE_PAGE = 64;
    static final int MAX_PHYSMEM_BITS = 36;
    static final int FREE_AREA_ORDERS = 11;
    static final int MIGRATE_TYPES = 5;

    /** Kernel generations: which keys VMCOREINFO has and how struct pages encode types and orders. */
    enum Gen {
        /** PG_buddy flag, compound order/dtor in the first tail's lru, no compound_head (2.6.30). */
        V2_6_30("2.6.30-1-amd64", 5, 11, 15, -1, 7, 19, 1L << 14, 19, -1, -1, -1, -1, -1, -1, false, true),
        /** page_type values ~PG_*, compound_dtor/order at 16/17 of the first tail, PG_slab (6.1). */
        V6_1("6.1.0-56-amd64", 4, 13, 10, 19, 9, 23, 1L << 16, -1, -129, -257, -1, -1, -1, 2, true, true),
        /** 6.1 without OFFSET(page._mapcount): free pages need the free-list walk. */
        V6_1_NO_MAPCOUNT("6.1.0-56-amd64", 4, 13, 10, 19, 9, 23, 1L << 16, -1, -129, -257, -1, -1, -1, 2, true, false),
        /** folio._folio_dtor/_folio_order (6.3-6.5). */
        V6_5("6.5.0-1-amd64", 4, 13, 10, 19, 9, 23, 1L << 16, -1, -129, -257, -1, -1, -1, 2, true, true),
        /** PG_hugetlb in the first tail's flags, order in their low byte (6.6-6.8). */
        V6_8("6.8.12-amd64", 4, 13, 10, 19, 9, 23, 1L << 16, -1, -129, -257, -1, -1, 26, -1, true, true),
        /** One page type per page in the top byte; no PG_slab (6.12). */
        V6_12("6.12.117+deb12-amd64", 5, 14, 10, 17, -1, 20, 1L << 6, -1, 0xf0000000L, 0xf1000000L, 0xf5000000L,
                0xf4000000L, -1, -1, true, true),
        /** 6.12 plus unaccepted memory (6.16). */
        V6_16("6.16.3-amd64", 5, 14, 10, 17, -1, 20, 1L << 6, -1, 0xf0000000L, 0xf1000000L, 0xf5000000L,
                0xf4000000L, -1, -1, true, true);

        final String release;
        final int lru;
        final int priv;
        final int swapcache;
        final int swapbacked;
        final int slab;
        final int hwpoison;
        final long headMask;
        final int buddyFlag;
        final long buddyMapcount;
        final long offlineMapcount;
        final long slabMapcount;
        final long hugetlbMapcount;
        final int hugetlbFlag;
        final long hugetlbDtor;
        final boolean compoundHead;
        final boolean mapcountOffset;

        Gen(String release, int lru, int priv, int swapcache, int swapbacked, int slab, int hwpoison, long headMask,
                int buddyFlag, long buddyMapcount, long offlineMapcount, long slabMapcount, long hugetlbMapcount,
                int hugetlbFlag, long hugetlbDtor, boolean compoundHead, boolean mapcountOffset) {
            this.release = release;
            this.lru = lru;
            this.priv = priv;
            this.swapcache = swapcache;
            this.swapbacked = swapbacked;
            this.slab = slab;
            this.hwpoison = hwpoison;
            this.headMask = headMask;
            this.buddyFlag = buddyFlag;
            this.buddyMapcount = buddyMapcount;
            this.offlineMapcount = offlineMapcount;
            this.slabMapcount = slabMapcount;
            this.hugetlbMapcount = hugetlbMapcount;
            this.hugetlbFlag = hugetlbFlag;
            this.hugetlbDtor = hugetlbDtor;
            this.compoundHead = compoundHead;
            this.mapcountOffset = mapcountOffset;
        }

        /** A flag bit no classification rule of this generation looks at. */
        int neutralBit() {
            return 27;
        }

        boolean unaccepted() {
            return this == V6_16;
        }

        boolean orderInFlags1() {
            return this == V6_8 || this == V6_12 || this == V6_16;
        }
    }

    final Gen gen;
    final int ssb;
    final int pps;
    final boolean flat;
    final boolean extreme;
    final int sizeMemSection;
    final boolean kernelSectionPresent;

    /** RAM segments as byte ranges. */
    final List<long[]> segments = new ArrayList<>();
    /** Extra stated mappings {paddr, size} (a kernel-text alias). */
    final List<long[]> aliases = new ArrayList<>();
    final BitSet noData = new BitSet();
    int maxPfn;
    int kernelStart;
    int kernelPages;
    boolean[] hasMemMap;

    // the model: decoded struct page fields per frame
    long[] flags;
    long[] f8;
    long[] f16;
    long[] mapping;
    long[] priv;
    int[] mapcount;
    boolean[] content;
    /** Free blocks {pfn, order, migrate type} for the free lists. */
    final List<int[]> freeBlocks = new ArrayList<>();
    final Map<String, String> extraKeys = new LinkedHashMap<>();

    SyntheticKernel(Gen gen, int ssb, boolean flat, boolean extreme, int sizeMemSection, boolean kernelSectionPresent) {
        this.gen = gen;
        this.ssb = ssb;
        this.pps = 1 << (ssb - 12);
        this.flat = flat;
        this.extreme = extreme;
        this.sizeMemSection = sizeMemSection;
        this.kernelSectionPresent = kernelSectionPresent || flat;
    }

    // ---- layout ------------------------------------------------------------------------------------

    /** Adds RAM {@code [startPfn*4096, endPfn*4096 - shortBytes)}; call in ascending order, then {@link #layout()}. */
    SyntheticKernel segment(int startPfn, int endPfn, int shortBytes) {
        segments.add(new long[] {(long) startPfn * 4096, (long) endPfn * 4096 - shortBytes});
        return this;
    }

    /** Where user segments end (exclusive pfn, including a partial last page). */
    int userEndPfn() {
        long[] last = segments.get(segments.size() - 1);
        return (int) ((last[1] + 4095) / 4096);
    }

    /** Places the kernel's own data (section table, node data, vmemmap backing) in a last segment. */
    void layout() {
        int userEnd = userEndPfn();
        kernelStart = ((userEnd + pps - 1) / pps) * pps;
        int fixed = 4;
        int backing;
        int k = fixed;
        for (int iter = 0; iter < 10; iter++) {
            int end = kernelStart + k;
            if (flat) {
                backing = (int) ((end * (long) SIZE_PAGE + 4095) / 4096);
            } else {
                int sections = 0;
                for (int s = 0; s * pps < end; s++) {
                    if (sectionHasMemMap(s, end)) {
                        sections++;
                    }
                }
                backing = sections * (pps * SIZE_PAGE / 4096);
            }
            if (fixed + backing == k) {
                break;
            }
            k = fixed + backing;
        }
        kernelPages = k;
        segments.add(new long[] {(long) kernelStart * 4096, (long) (kernelStart + kernelPages) * 4096});
        maxPfn = kernelStart + kernelPages;
        flags = new long[maxPfn];
        f8 = new long[maxPfn];
        f16 = new long[maxPfn];
        mapping = new long[maxPfn];
        priv = new long[maxPfn];
        mapcount = new int[maxPfn];
        content = new boolean[maxPfn];
        java.util.Arrays.fill(mapcount, -1);
        hasMemMap = new boolean[maxPfn];
        for (int s = 0; s * pps < maxPfn; s++) {
            if (flat || sectionHasMemMap(s, maxPfn)) {
                for (int p = s * pps; p < Math.min(maxPfn, (s + 1) * pps); p++) {
                    hasMemMap[p] = true;
                }
            }
        }
        for (int p = kernelStart; p < maxPfn; p++) {
            kernelPage(p);
        }
    }

    /** Whether section {@code s} has a mem_map: it holds user RAM, or the kernel's data and that is wanted. */
    private boolean sectionHasMemMap(int s, int kernelEnd) {
        long from = (long) s * pps * 4096;
        long to = from + (long) pps * 4096;
        for (long[] seg : segments) {
            if (seg[0] < to && seg[1] > from && seg[0] < (long) kernelStart * 4096) {
                return true;
            }
        }
        return kernelSectionPresent && from < (long) kernelEnd * 4096 && to > (long) kernelStart * 4096;
    }

    // ---- objects -----------------------------------------------------------------------------------

    void kernelPage(int p) {
        flags[p] = 1L << gen.neutralBit();
        content[p] = true;
    }

    void fileCache(int p, boolean isPrivate, Random r) {
        flags[p] = (1L << gen.lru) | (isPrivate ? 1L << gen.priv : 0);
        mapping[p] = PAGE_OFFSET + 0x1000000 + 64L * r.nextInt(1000);
        mapcount[p] = r.nextInt(3) - 1;
        content[p] = r.nextInt(4) != 0;
    }

    void swapCacheShmem(int p, boolean backed, Random r) {
        flags[p] = (1L << gen.swapcache) | (backed ? 1L << gen.swapbacked : 0);
        mapping[p] = PAGE_OFFSET + 0x2000000 + 64L * r.nextInt(1000);
        content[p] = true;
    }

    void anon(int p, Random r) {
        flags[p] = (1L << gen.lru) | (1L << gen.swapbacked) | (r.nextBoolean() ? 1L << gen.swapcache : 0);
        mapping[p] = PAGE_OFFSET + 0x3000000 + 64L * r.nextInt(1000) + (r.nextInt(4) == 0 ? 3 : 1);
        mapcount[p] = r.nextInt(3);
        content[p] = r.nextInt(5) != 0;
        if (gen.slab < 0 && r.nextInt(4) == 0) {
            // Without NUMBER(PG_slab), 1.7.9 tests bit 7 (PG_slab_ORIGINAL), PG_waiters on 6.12: such
            // anonymous pages do not count as anonymous there.
            flags[p] |= 1L << 7;
        }
    }

    void slab(int p, Random r) {
        if (gen.slabMapcount != -1) {
            mapcount[p] = (int) gen.slabMapcount;
            flags[p] = r.nextBoolean() ? 1L << gen.neutralBit() : 0;
        } else {
            flags[p] = 1L << gen.slab;
        }
        // Slab data overlays mapping: bit 0 may be set; slab must still not count as anonymous.
        mapping[p] = r.nextLong();
        content[p] = true;
    }

    void hwpoison(int p, Random r) {
        flags[p] = (1L << gen.hwpoison) | (r.nextBoolean() ? 1L << gen.lru : 0);
        if (r.nextBoolean()) {
            mapping[p] = PAGE_OFFSET + 0x3000000 + 1;
        }
        content[p] = r.nextBoolean();
    }

    void offline(int p, Random r) {
        mapcount[p] = (int) gen.offlineMapcount;
        content[p] = r.nextBoolean();
    }

    /** A free block of 2^order frames at an aligned {@code p}. */
    void free(int p, int order, Random r) {
        if (gen.buddyFlag >= 0) {
            flags[p] = 1L << gen.buddyFlag;
        } else {
            mapcount[p] = (int) gen.buddyMapcount;
        }
        priv[p] = order;
        for (int q = p; q < p + (1 << order); q++) {
            content[q] = r.nextInt(3) == 0;
        }
        freeBlocks.add(new int[] {p, order, r.nextInt(MIGRATE_TYPES)});
    }

    void unaccepted(int p) {
        mapcount[p] = (int) 0xf7000000L;
    }

    enum Compound { ANON, FILE, HUGETLB, OTHER }

    /** A compound page (THP, hugetlb, or other) of 2^order frames at an aligned {@code p}. */
    void compound(int p, int order, Compound kind, Random r) {
        long head = gen.headMask;
        switch (kind) {
            case ANON -> {
                anon(p, r);
                flags[p] |= head;
            }
            case FILE -> {
                fileCache(p, r.nextBoolean(), r);
                flags[p] |= head;
            }
            case HUGETLB -> {
                flags[p] = head;
                mapping[p] = PAGE_OFFSET + 0x4000000;
                if (gen.hugetlbMapcount != -1) {
                    mapcount[p] = (int) gen.hugetlbMapcount;
                }
            }
            case OTHER -> flags[p] = head | (1L << gen.neutralBit());
        }
        int tail = p + 1;
        long dtor = kind == Compound.HUGETLB ? 2 : 1;
        if (gen.orderInFlags1()) {
            flags[tail] = order | (kind == Compound.HUGETLB && gen.hugetlbFlag >= 0 ? 1L << gen.hugetlbFlag : 0);
        } else if (gen.compoundHead) {
            f16[tail] = dtor | ((long) order << 8); // compound_dtor at 16, compound_order at 17
        } else {
            // 2.6.30: lru.next holds the destructor function, lru.prev the order
            f8[tail] = kind == Compound.HUGETLB ? FREE_HUGE_PAGE : 0xffffffff81111110L;
            f16[tail] = order;
        }
        for (int q = p; q < p + (1 << order); q++) {
            content[q] = r.nextInt(5) != 0;
            if (q > p && gen.compoundHead) {
                f8[q] = (VMEMMAP + (long) p * SIZE_PAGE) | 1;
            }
        }
    }

    // ---- random kernels ----------------------------------------------------------------------------

    /** A random consistent kernel: 1-3 RAM segments of 64 to ~960 frames, objects of every kind. */
    static SyntheticKernel random(long seed) {
        return random(seed, 900);
    }

    /** {@link #random(long)} with RAM segments of 64 to 64 + {@code segmentSpread} frames. */
    static SyntheticKernel random(long seed, int segmentSpread) {
        Random r = new Random(seed);
        Gen gen = Gen.values()[r.nextInt(Gen.values().length)];
        boolean flat = r.nextInt(6) == 0;
        SyntheticKernel k = new SyntheticKernel(gen, r.nextBoolean() ? 21 : 22, flat, r.nextInt(3) != 0,
                r.nextBoolean() ? 16 : 32, r.nextBoolean());
        int pos = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(16);
        int segs = 1 + r.nextInt(3);
        for (int i = 0; i < segs; i++) {
            int len = 64 + r.nextInt(segmentSpread);
            int shortBytes = r.nextInt(4) == 0 ? 1024 : 0;
            k.segment(pos, pos + len, shortBytes);
            pos += len + (r.nextBoolean() ? 0 : 1 + r.nextInt(1100));
        }
        if (r.nextInt(3) == 0) {
            long[] first = k.segments.get(0);
            long p0 = (first[0] / 4096 + 1) * 4096;
            long size = Math.min(16 * 4096, first[1] - p0);
            if (size > 0) {
                k.aliases.add(new long[] {p0, size});
            }
        }
        if (r.nextInt(4) == 0) {
            long[] s = k.segments.get(r.nextInt(k.segments.size()));
            long endPfn = s[1] / 4096;
            k.noData.set((int) Math.max(s[0] / 4096, endPfn - 1 - r.nextInt(40)), (int) endPfn);
        }
        k.layout();
        k.fill(r);
        return k;
    }

    /** Tiles the user segments with objects. */
    void fill(Random r) {
        for (int si = 0; si < segments.size() - 1; si++) {
            long[] seg = segments.get(si);
            int start = (int) ((seg[0] + 4095) / 4096);
            int end = (int) ((seg[1] + 4095) / 4096);
            int p = start;
            while (p < end) {
                int kind = r.nextInt(100);
                int order = 1 + r.nextInt(kind < 30 ? 10 : 4);
                boolean fits = p % (1 << order) == 0 && p + (1 << order) <= end;
                if (kind < 22 && fits) {
                    free(p, order, r);
                    p += 1 << order;
                } else if (kind < 26 && gen.unaccepted() && p % 1024 == 0 && p + 1024 <= end) {
                    unaccepted(p);
                    p += 1024;
                } else if (kind < 36 && fits) {
                    compound(p, order, Compound.values()[r.nextInt(4)], r);
                    p += 1 << order;
                } else {
                    int t = r.nextInt(10);
                    switch (t) {
                        case 0, 1 -> kernelPage(p);
                        case 2, 3 -> fileCache(p, r.nextBoolean(), r);
                        case 4 -> swapCacheShmem(p, r.nextBoolean(), r);
                        case 5, 6 -> anon(p, r);
                        case 7 -> slab(p, r);
                        case 8 -> {
                            if (r.nextBoolean()) {
                                hwpoison(p, r);
                            } else {
                                offline(p, r);
                            }
                        }
                        default -> content[p] = r.nextBoolean();
                    }
                    p++;
                }
            }
        }
    }

    // ---- serialisation -----------------------------------------------------------------------------

    private long kpage(int i) {
        return kernelStart + i;
    }

    FakeDump build() {
        FakeDump d = new FakeDump();
        for (long[] s : segments) {
            d.ranges.add(new PhysicalRange(s[0], s[1]));
            d.mappings.add(new VirtualMapping(PAGE_OFFSET + s[0], s[0], s[1] - s[0]));
        }
        d.noData.or(noData);
        for (long[] a : aliases) {
            d.mappings.add(new VirtualMapping(KTEXT, a[0], a[1]));
        }
        // Page contents: a non-zero byte somewhere in each page that has content.
        for (int p = 0; p < kernelStart; p++) {
            if (content[p]) {
                d.mark(p, (int) (p * 37L % 4096), 1 + (p % 250));
            }
        }
        long nextBacking = kpage(4);
        int perPage = 4096 / SIZE_PAGE;
        if (flat) {
            for (long v = 0; v < (long) maxPfn * SIZE_PAGE; v += 4096) {
                d.mapPage(VMEMMAP + v, nextBacking++);
            }
        } else {
            for (int s = 0; s * pps < maxPfn; s++) {
                if (!hasMemMap[s * pps]) {
                    continue;
                }
                for (int i = 0; i < pps / perPage; i++) {
                    d.mapPage(VMEMMAP + ((long) s * pps + (long) i * perPage) * SIZE_PAGE, nextBacking++);
                }
            }
        }
        byte[] backing = null;
        for (int p = 0; p < maxPfn; p++) {
            if (!hasMemMap[p]) {
                continue;
            }
            long phys = structPagePhys(d, p);
            int off = (int) (phys % 4096);
            if (backing == null || off == 0) {
                backing = d.page(phys / 4096);
            }
            le64(backing, off, flags[p]);
            le64(backing, off + 8, f8[p]);
            le64(backing, off + 16, f16[p]);
            le64(backing, off + 24, mapping[p]);
            le64(backing, off + 40, priv[p]);
            le64(backing, off + 48, (mapcount[p] & 0xffffffffL) | (1L << 32));
        }
        if (!gen.mapcountOffset) {
            linkFreeLists(d);
        }
        writeSections(d);
        d.vmcoreInfoText = vmcoreInfo();
        return d;
    }

    private static void le64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static long structPageVaddr(long pfn) {
        return VMEMMAP + pfn * SIZE_PAGE;
    }

    static long structPagePhys(FakeDump d, long pfn) {
        long v = structPageVaddr(pfn);
        return d.pageMap.get(v >>> 12) * 4096 + (v & 0xfff);
    }

    private void writeSections(FakeDump d) {
        if (flat) {
            d.putLong(kpage(0) * 4096, VMEMMAP);
            return;
        }
        int perRoot = 4096 / sizeMemSection;
        long sectionsPhys = kpage(1) * 4096;
        for (int s = 0; s * pps < maxPfn; s++) {
            if (!hasMemMap[s * pps]) {
                continue;
            }
            long at = extreme ? sectionsPhys + (long) (s % perRoot) * sizeMemSection : sectionsPhys + (long) s * sizeMemSection;
            // coded mem_map = mem_map - start_pfn * SIZE(page) = VMEMMAP; present and has-mem-map bits
            d.putLong(at, VMEMMAP | 0x3);
            if (s >= perRoot && extreme) {
                throw new IllegalStateException("one root page only");
            }
        }
        if (extreme) {
            d.putLong(kpage(0) * 4096, PAGE_OFFSET + sectionsPhys);
        }
    }

    /** Node data in kernel page 2, the pglist_data (two zones) in kernel page 3. */
    private void linkFreeLists(FakeDump d) {
        long nodeDataPhys = kpage(2) * 4096;
        long pgdatPhys = kpage(3) * 4096;
        d.putLong(nodeDataPhys, PAGE_OFFSET + pgdatPhys);
        d.putLong(nodeDataPhys + 1024, 1); // node_online_map: node 0
        d.putInt(pgdatPhys + 3100, 2); // nr_zones
        long zone1 = pgdatPhys + 1536;
        d.putLong(zone1 + 144, maxPfn); // spanned_pages (zone 0 spans nothing)
        List<List<Long>> lists = new ArrayList<>();
        for (int i = 0; i < FREE_AREA_ORDERS * MIGRATE_TYPES; i++) {
            lists.add(new ArrayList<>());
        }
        for (int[] b : freeBlocks) {
            lists.get(b[1] * MIGRATE_TYPES + b[2]).add(structPageVaddr(b[0]) + 8);
        }
        for (int order = 0; order < FREE_AREA_ORDERS; order++) {
            for (int t = 0; t < MIGRATE_TYPES; t++) {
                long headPhys = zone1 + 256 + order * 88L + t * 16L;
                long headVirt = PAGE_OFFSET + headPhys;
                List<Long> elems = lists.get(order * MIGRATE_TYPES + t);
                long prev = headVirt;
                for (long e : elems) {
                    writeVirtLong(d, prev, e); // prev.next = e
                    writeVirtLong(d, e + 8, prev); // e.prev = prev
                    prev = e;
                }
                writeVirtLong(d, prev, headVirt);
                writeVirtLong(d, headVirt + 8, prev);
            }
        }
    }

    static void writeVirtLong(FakeDump d, long vaddr, long value) {
        long phys;
        if (Long.compareUnsigned(vaddr, VMEMMAP) >= 0) {
            phys = d.pageMap.get(vaddr >>> 12) * 4096 + (vaddr & 0xfff);
        } else {
            phys = vaddr - PAGE_OFFSET;
        }
        d.putLong(phys, value);
    }

    String vmcoreInfo() {
        StringBuilder sb = new StringBuilder();
        sb.append("OSRELEASE=").append(gen.release).append('\n');
        sb.append("PAGESIZE=4096\n");
        if (flat) {
            sb.append("SYMBOL(mem_map)=").append(Long.toHexString(PAGE_OFFSET + kpage(0) * 4096)).append('\n');
        } else {
            long sym = extreme ? PAGE_OFFSET + kpage(0) * 4096 : PAGE_OFFSET + kpage(1) * 4096;
            sb.append("SYMBOL(mem_section)=").append(Long.toHexString(sym)).append('\n');
            long nrMemSections = 1L << (MAX_PHYSMEM_BITS - ssb);
            long len = extreme ? (nrMemSections + (4096 / sizeMemSection) - 1) / (4096 / sizeMemSection) : nrMemSections;
            sb.append("LENGTH(mem_section)=").append(len).append('\n');
            sb.append("SIZE(mem_section)=").append(sizeMemSection).append('\n');
            sb.append("OFFSET(mem_section.section_mem_map)=0\n");
            sb.append("NUMBER(SECTION_SIZE_BITS)=").append(ssb).append('\n');
            sb.append("NUMBER(MAX_PHYSMEM_BITS)=").append(MAX_PHYSMEM_BITS).append('\n');
        }
        sb.append("SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n");
        sb.append("OFFSET(page.lru)=8\n");
        if (gen.mapcountOffset) {
            sb.append("OFFSET(page._mapcount)=48\n");
        }
        sb.append("OFFSET(page.private)=40\n");
        switch (gen) {
            case V6_1, V6_1_NO_MAPCOUNT -> sb.append("OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n");
            case V6_5 -> sb.append("OFFSET(folio._folio_dtor)=80\nOFFSET(folio._folio_order)=81\n");
            default -> {
            }
        }
        if (gen.compoundHead) {
            sb.append("OFFSET(page.compound_head)=8\n");
        }
        sb.append("OFFSET(list_head.next)=0\nOFFSET(list_head.prev)=8\n");
        sb.append("LENGTH(zone.free_area)=").append(FREE_AREA_ORDERS).append('\n');
        if (!gen.mapcountOffset) {
            long nodeData = PAGE_OFFSET + kpage(2) * 4096;
            sb.append("SYMBOL(node_online_map)=").append(Long.toHexString(nodeData + 1024)).append('\n');
            sb.append("SIZE(nodemask_t)=8\n");
            sb.append("SYMBOL(node_data)=").append(Long.toHexString(nodeData)).append('\n');
            sb.append("LENGTH(node_data)=1024\n");
            sb.append("SIZE(zone)=1536\nSIZE(free_area)=88\nSIZE(list_head)=16\n");
            sb.append("OFFSET(pglist_data.node_zones)=0\nOFFSET(pglist_data.nr_zones)=3100\n");
            sb.append("OFFSET(zone.free_area)=256\nOFFSET(zone.vm_stat)=1344\nOFFSET(zone.spanned_pages)=144\n");
            sb.append("OFFSET(free_area.free_list)=0\nLENGTH(free_area.free_list)=").append(MIGRATE_TYPES).append('\n');
            sb.append("NUMBER(NR_FREE_PAGES)=0\n");
        }
        sb.append("NUMBER(PG_lru)=").append(gen.lru).append('\n');
        sb.append("NUMBER(PG_private)=").append(gen.priv).append('\n');
        sb.append("NUMBER(PG_swapcache)=").append(gen.swapcache).append('\n');
        if (gen.swapbacked >= 0) {
            sb.append("NUMBER(PG_swapbacked)=").append(gen.swapbacked).append('\n');
        }
        if (gen.slab >= 0 && gen.slabMapcount == -1) {
            sb.append("NUMBER(PG_slab)=").append(gen.slab).append('\n');
        }
        if (gen.slabMapcount != -1) {
            sb.append("NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=").append((int) gen.slabMapcount).append('\n');
        }
        sb.append("NUMBER(PG_hwpoison)=").append(gen.hwpoison).append('\n');
        sb.append("NUMBER(PG_head_mask)=").append(gen.headMask).append('\n');
        if (gen.buddyFlag >= 0) {
            sb.append("NUMBER(PG_buddy)=").append(gen.buddyFlag).append('\n');
        } else {
            sb.append("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=").append((int) gen.buddyMapcount).append('\n');
        }
        if (gen.hugetlbMapcount != -1) {
            sb.append("NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=").append((int) gen.hugetlbMapcount).append('\n');
        }
        if (gen.hugetlbFlag >= 0) {
            sb.append("NUMBER(PG_hugetlb)=").append(gen.hugetlbFlag).append('\n');
        }
        if (gen.offlineMapcount != -1) {
            sb.append("NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=").append((int) gen.offlineMapcount).append('\n');
        }
        if (gen.unaccepted()) {
            sb.append("NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=").append((int) 0xf7000000L).append('\n');
        }
        if (gen.hugetlbDtor != -1) {
            sb.append("NUMBER(HUGETLB_PAGE_DTOR)=").append(gen.hugetlbDtor).append('\n');
        }
        if (!gen.compoundHead) {
            sb.append("SYMBOL(free_huge_page)=").append(Long.toHexString(FREE_HUGE_PAGE)).append('\n');
        }
        sb.append("NUMBER(pgtable_l5_enabled)=0\n");
        for (Map.Entry<String, String> e : extraKeys.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    // ---- the reference model -----------------------------------------------------------------------

    /** What makedumpfile 1.7.9's rules give for this kernel, computed over the whole memory at once. */
    record Expected(long maxMapnr, long memoryHole, long[] counts, BitSet ram, BitSet dumpable, BitSet zero) {
    }

    Expected expect(int level, ZeroPageHandling zh, FakeDump d) {
        long maxMapnr;
        if (flat) {
            maxMapnr = maxPfn;
        } else {
            long reduced = 0;
            for (int s = 0; s * pps < maxPfn; s++) {
                if (hasMemMap[s * pps]) {
                    reduced = Math.max(reduced, Math.min((long) (s + 1) * pps, maxPfn));
                }
            }
            maxMapnr = Math.min(maxPfn, reduced);
        }
        BitSet ram = new BitSet();
        long hole = maxMapnr;
        List<long[]> loads = new ArrayList<>(aliases);
        for (long[] s : segments) {
            loads.add(new long[] {s[0], s[1] - s[0]});
        }
        for (long[] l : loads) {
            long a = l[0] / 4096;
            long b = Math.min((l[0] + l[1]) / 4096, maxMapnr);
            if (a < b) {
                ram.set((int) a, (int) b);
                hole -= b - a;
            }
        }
        BitSet dump = (BitSet) ram.clone();
        dump.andNot(noData);
        long[] c = new long[7];
        boolean buddy = gen.mapcountOffset || gen.buddyFlag >= 0;
        boolean classify = (level & 14) != 0 || gen.hwpoison >= 0 || ((level & 16) != 0 && buddy);
        if (classify) {
            for (long p = 0; p < maxMapnr; p++) {
                int i = (int) p;
                if (!hasMemMap[i] || !inSegs(p)) {
                    continue;
                }
                int mc = gen.mapcountOffset ? mapcount[i] : 0;
                long fl = flags[i];
                int order = 0;
                long dtor = 0;
                if ((fl & gen.headMask) != 0 && p % 512 != 511 && i + 1 < maxPfn) {
                    if (gen.hugetlbMapcount != -1) {
                        order = (int) (flags[i + 1] & 0xff);
                        dtor = mc == (int) gen.hugetlbMapcount ? -1 : 0;
                    } else if (gen.hugetlbFlag >= 0) {
                        order = (int) (flags[i + 1] & 0xff);
                        dtor = (flags[i + 1] & (1L << gen.hugetlbFlag)) != 0 ? -1 : 0;
                    } else if (gen.compoundHead) {
                        dtor = f16[i + 1] & 0xff;
                        order = (int) ((f16[i + 1] >>> 8) & 0xff);
                    } else {
                        dtor = f8[i + 1];
                        order = (int) (f16[i + 1] & 0xffff);
                    }
                    if (order >= 64 || (p & ((1L << order) - 1)) != 0) {
                        order = 0;
                    }
                }
                long nr = 1L << order;
                int counter;
                boolean slab = (gen.slabMapcount != -1 && mc == (int) gen.slabMapcount)
                        || (fl & (1L << (gen.slab >= 0 && gen.slabMapcount == -1 ? gen.slab : 7))) != 0;
                boolean anon = (mapping[i] & 1) != 0 && !slab;
                boolean cache = bit(fl, gen.lru) || ((gen.swapbacked < 0 || bit(fl, gen.swapbacked)) && bit(fl, gen.swapcache));
                boolean isPriv = bit(fl, gen.priv);
                boolean hugetlb = dtor == -1 || (gen.hugetlbDtor != -1 && dtor == gen.hugetlbDtor)
                        || (!gen.compoundHead && dtor == FREE_HUGE_PAGE);
                boolean isBuddy = gen.buddyFlag >= 0 ? (fl & (1L << gen.buddyFlag)) != 0
                        : gen.mapcountOffset && !slab && mc == (int) gen.buddyMapcount;
                if (gen.compoundHead && (f8[i] & 1) != 0) {
                    continue;
                } else if ((level & 16) != 0 && buddy && isBuddy) {
                    if (priv[i] >= FREE_AREA_ORDERS) {
                        continue;
                    }
                    nr = 1L << priv[i];
                    counter = 4;
                } else if ((level & 16) != 0 && gen.unaccepted() && mc == (int) 0xf7000000L) {
                    nr = 1L << (FREE_AREA_ORDERS - 1);
                    counter = 4;
                } else if ((level & 2) != 0 && cache && !isPriv && !anon) {
                    counter = 1;
                } else if ((level & 4) != 0 && cache && !anon) {
                    counter = isPriv ? 2 : 1;
                } else if ((level & 8) != 0 && (anon || hugetlb)) {
                    counter = 3;
                } else if (bit(fl, gen.hwpoison)) {
                    counter = 5;
                } else if (gen.offlineMapcount != -1 && !slab && mc == (int) gen.offlineMapcount) {
                    counter = 6;
                } else {
                    continue;
                }
                for (long q = p; q < p + nr && q < maxMapnr; q++) {
                    c[counter]++;
                    dump.clear((int) q);
                }
                p += nr - 1;
            }
        }
        if ((level & 16) != 0 && !buddy) {
            for (int[] b : freeBlocks) {
                for (long q = b[0]; q < b[0] + (1L << b[1]) && q < maxMapnr; q++) {
                    c[4]++;
                    dump.clear((int) q);
                }
            }
        }
        BitSet zero = new BitSet();
        if ((level & 1) != 0 && zh != ZeroPageHandling.LEAVE_TO_WRITER) {
            for (int p = dump.nextSetBit(0); p >= 0; p = dump.nextSetBit(p + 1)) {
                if (zh == ZeroPageHandling.ELF_REMOVE && !inSegs(p)) {
                    continue;
                }
                if (d.isZero(p)) {
                    c[0]++;
                    zero.set(p);
                }
            }
            if (zh == ZeroPageHandling.ELF_REMOVE) {
                dump.andNot(zero);
                zero = new BitSet();
            }
        }
        return new Expected(maxMapnr, hole, c, ram, dump, zero);
    }

    private static boolean bit(long flags, int nr) {
        return nr >= 0 && (flags & (1L << nr)) != 0;
    }

    private boolean inSegs(long p) {
        long addr = p * 4096;
        for (long[] s : segments) {
            if (addr >= s[0] && addr < s[1]) {
                return !noData.get((int) p);
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SyntheticKernel(" + gen + ", ssb " + ssb + (flat ? ", FLATMEM" : extreme ? ", EXTREME" : ", SPARSEMEM")
                + ", mem_section " + sizeMemSection + ", segments " + segments.size() + ", maxPfn " + maxPfn
                + ", kernel section " + (kernelSectionPresent ? "present" : "absent") + ")";
    }
}
