package org.vmcore4j.filter;

import org.vmcore4j.core.VmcoreInfo;

/**
 * What the classifier needs to know about {@code struct page} and the page-flag encodings of the
 * crashed kernel, decoded once from VMCOREINFO with makedumpfile 1.7.9's defaults and fallbacks.
 *
 * <p>Values keep makedumpfile's "-1 = not found" convention (see {@link VmcoreInfoKeys}) because several of
 * its predicates depend on it, e.g. PG_swapcache only counts when PG_swapbacked is set or absent.
 */
final class PageLayout {
    static final long NF = VmcoreInfoKeys.NOT_FOUND;

    /** Largest SIZE(page) accepted: real kernels use 56-96 bytes; the cap bounds the 512-entry read buffer. */
    static final int MAX_STRUCT_PAGE_SIZE = 1024;

    // makedumpfile.h: bit numbers used when VMCOREINFO lacks them (layouts of 2.6.25 and older).
    private static final int PG_LRU_ORIGINAL = 5;
    private static final int PG_SLAB_ORIGINAL = 7;
    private static final int PG_PRIVATE_ORIGINAL = 11;
    private static final int PG_COMPOUND_ORIGINAL = 14;
    private static final int PG_SWAPCACHE_ORIGINAL = 15;
    // makedumpfile.h: buddy _mapcount values when NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) is absent.
    private static final long PAGE_BUDDY_MAPCOUNT_2_6_38 = -2;
    private static final long PAGE_BUDDY_MAPCOUNT_2_6_39_ON = -128;

    final String resource;
    final int pageSize;
    final int pageShift;
    /** makedumpfile's KERNEL_VERSION(maj, min, rel) = maj << 24 | min << 16 | rel, from OSRELEASE. */
    final long kernelVersion;

    // struct page
    final int sizePage;
    final int offFlags;
    final int offRefcount;
    final int offMapping;
    final long offLru;
    final long offMapcount;
    final long offPrivate;
    final long offCompoundHead;
    /** Offset of the compound order in the first tail page, 0 if unknown (init_compound_offset). */
    final int orderOffset;
    final int orderWidth;
    /** Offset of the compound destructor in the first tail page, 0 if unknown. */
    final int dtorOffset;
    final int dtorWidth;

    // page flags and page types
    final long pgLru;
    final long pgPrivate;
    final long pgSwapcache;
    final long pgSwapbacked;
    final long pgSlab;
    final long pgHeadMask;
    final long pgHwpoison;
    final long pgBuddy;
    final long pgHugetlb;
    final long buddyMapcount;
    final long hugetlbMapcount;
    final long offlineMapcount;
    final long slabMapcount;
    final long unacceptedMapcount;
    final long hugetlbDtor;
    final long freeHugePage;
    final long freeAreaLength;

    private PageLayout(Builder b) {
        resource = b.resource;
        pageSize = b.pageSize;
        pageShift = Integer.numberOfTrailingZeros(b.pageSize);
        kernelVersion = b.kernelVersion;
        sizePage = (int) b.sizePage;
        offFlags = (int) b.offFlags;
        offRefcount = (int) b.offRefcount;
        offMapping = (int) b.offMapping;
        offLru = b.offLru;
        offMapcount = b.offMapcount;
        offPrivate = b.offPrivate;
        offCompoundHead = b.offCompoundHead;
        orderOffset = b.orderOffset;
        orderWidth = b.orderWidth;
        dtorOffset = b.dtorOffset;
        dtorWidth = b.dtorWidth;
        pgLru = b.pgLru;
        pgPrivate = b.pgPrivate;
        pgSwapcache = b.pgSwapcache;
        pgSwapbacked = b.pgSwapbacked;
        pgSlab = b.pgSlab;
        pgHeadMask = b.pgHeadMask;
        pgHwpoison = b.pgHwpoison;
        pgBuddy = b.pgBuddy;
        pgHugetlb = b.pgHugetlb;
        buddyMapcount = b.buddyMapcount;
        hugetlbMapcount = b.hugetlbMapcount;
        offlineMapcount = b.offlineMapcount;
        slabMapcount = b.slabMapcount;
        unacceptedMapcount = b.unacceptedMapcount;
        hugetlbDtor = b.hugetlbDtor;
        freeHugePage = b.freeHugePage;
        freeAreaLength = b.freeAreaLength;
    }

    static long kernelVersion(int major, int minor, int release) {
        return ((long) major << 24) | ((long) minor << 16) | release;
    }

    /**
     * Parses "maj.min.rel..." the way makedumpfile's get_kernel_version does with three strtol calls,
     * each number ending at the first non-digit (so "6.12.117+deb12-amd64" is 6.12.117).
     */
    static long parseKernelVersion(String release) {
        long[] parts = new long[3];
        int i = 0;
        for (int n = 0; n < 3; n++) {
            long v = 0;
            int digits = 0;
            while (i < release.length() && Character.isDigit(release.charAt(i)) && digits < 9) {
                v = v * 10 + (release.charAt(i) - '0');
                i++;
                digits++;
            }
            while (i < release.length() && Character.isDigit(release.charAt(i))) {
                i++;
            }
            parts[n] = v;
            i++; // skip the separator, as makedumpfile's "end + 1"
        }
        return (parts[0] << 24) | (parts[1] << 16) | parts[2];
    }

    /**
     * Decodes the struct page description. Throws naming every unusable key when the memory model
     * could not be determined (makedumpfile's get_mem_type needs SIZE(page), OFFSET(page.flags),
     * OFFSET(page._refcount) or OFFSET(page._count), and OFFSET(page.mapping) at every level) or when
     * an offset lies outside the structure it belongs to.
     */
    static PageLayout decode(VmcoreInfo info, int memoryPageSize, DumpLevel level) throws UnsupportedKernelException {
        VmcoreInfoKeys k = new VmcoreInfoKeys(info);
        MissingKeys p = new MissingKeys();
        Builder b = new Builder();
        b.resource = info.resource();

        long pagesize = info.pageSize().orElse(NF);
        if (!info.raw("PAGESIZE").isPresent()) {
            p.missing("PAGESIZE");
        } else if (pagesize != memoryPageSize) {
            p.unusable("PAGESIZE", "is " + info.raw("PAGESIZE").get() + " but the dump's pages are "
                    + memoryPageSize + " bytes");
        }
        b.pageSize = memoryPageSize;
        if (info.osRelease().isEmpty()) {
            p.missing("OSRELEASE");
        } else {
            b.kernelVersion = parseKernelVersion(info.osRelease().get());
        }

        b.sizePage = k.size("page", p);
        b.offFlags = k.offset("page.flags", p);
        b.offRefcount = k.offset("page._refcount", p);
        if (b.offRefcount == NF) {
            // Kernels before 4.6 call the member _count; makedumpfile reads either.
            b.offRefcount = k.offset("page._count", p);
        }
        b.offMapping = k.offset("page.mapping", p);
        if (b.sizePage == NF) {
            p.missing("SIZE(page)");
        }
        if (b.offFlags == NF) {
            p.missing("OFFSET(page.flags)");
        }
        if (b.offRefcount == NF) {
            p.missing("OFFSET(page._refcount)");
        }
        if (b.offMapping == NF) {
            p.missing("OFFSET(page.mapping)");
        }
        if (!p.isEmpty()) {
            throw p.toException(info.resource(), "finding the kernel's memory model (struct page)", level, 0);
        }
        if (b.sizePage < 8 || b.sizePage > MAX_STRUCT_PAGE_SIZE) {
            p.unusable("SIZE(page)", "is " + b.sizePage + ", outside 8.." + MAX_STRUCT_PAGE_SIZE);
            throw p.toException(info.resource(), "reading struct pages", level, 0);
        }
        b.offLru = k.offset("page.lru", p);
        b.offMapcount = k.offset("page._mapcount", p);
        b.offPrivate = k.offset("page.private", p);
        b.offCompoundHead = k.offset("page.compound_head", p);
        long compoundDtor = k.offset("page.compound_dtor", p);
        long compoundOrder = k.offset("page.compound_order", p);
        long folioDtor = k.offset("folio._folio_dtor", p);
        long folioOrder = k.offset("folio._folio_order", p);
        long listHeadNext = k.offset("list_head.next", p);
        long listHeadPrev = k.offset("list_head.prev", p);

        checkMember(p, "OFFSET(page.flags)", b.offFlags, 8, b.sizePage);
        checkMember(p, "OFFSET(page._refcount)", b.offRefcount, 4, b.sizePage);
        checkMember(p, "OFFSET(page.mapping)", b.offMapping, 8, b.sizePage);
        checkOptionalMember(p, "OFFSET(page._mapcount)", b.offMapcount, 4, b.sizePage);
        checkOptionalMember(p, "OFFSET(page.private)", b.offPrivate, 8, b.sizePage);
        checkOptionalMember(p, "OFFSET(page.compound_head)", b.offCompoundHead, 8, b.sizePage);

        // init_compound_offset: where the first tail page keeps the order and destructor. The folio
        // offsets are relative to the head page, hence minus SIZE(page).
        long version = b.kernelVersion;
        long v4_4 = kernelVersion(4, 4, 0);
        long v4_16 = kernelVersion(4, 16, 0);
        long orderOff;
        String orderKey;
        if (folioOrder != NF) {
            orderOff = folioOrder - b.sizePage;
            orderKey = "OFFSET(folio._folio_order)";
        } else if (compoundOrder != NF) {
            orderOff = compoundOrder;
            orderKey = "OFFSET(page.compound_order)";
        } else if (version < v4_4) {
            orderOff = b.offLru + listHeadPrev;
            orderKey = "OFFSET(page.lru)+OFFSET(list_head.prev)";
        } else {
            orderOff = 0;
            orderKey = null;
        }
        long dtorOff;
        String dtorKey;
        if (folioDtor != NF) {
            dtorOff = folioDtor - b.sizePage;
            dtorKey = "OFFSET(folio._folio_dtor)";
        } else if (compoundDtor != NF) {
            dtorOff = compoundDtor;
            dtorKey = "OFFSET(page.compound_dtor)";
        } else if (version < v4_4) {
            dtorOff = b.offLru + listHeadNext;
            dtorKey = "OFFSET(page.lru)+OFFSET(list_head.next)";
        } else {
            dtorOff = 0;
            dtorKey = null;
        }
        b.orderWidth = version >= v4_16 ? 1 : 2;
        b.dtorWidth = version >= v4_16 ? 1 : version >= v4_4 ? 2 : 8;
        if (orderKey != null && orderOff != 0) {
            checkMember(p, orderKey, orderOff, b.orderWidth, b.sizePage);
        }
        if (dtorKey != null && dtorOff != 0) {
            checkMember(p, dtorKey, dtorOff, b.dtorWidth, b.sizePage);
        }
        b.orderOffset = (int) orderOff;
        b.dtorOffset = (int) dtorOff;

        // get_value_for_old_linux: defaults for page flags absent from VMCOREINFO.
        b.pgLru = orDefault(k.number("PG_lru", p), PG_LRU_ORIGINAL);
        b.pgPrivate = orDefault(k.number("PG_private", p), PG_PRIVATE_ORIGINAL);
        b.pgSwapcache = orDefault(k.number("PG_swapcache", p), PG_SWAPCACHE_ORIGINAL);
        b.pgSwapbacked = k.number("PG_swapbacked", p);
        if (b.pgSwapbacked == NF && b.pgSwapcache < b.pgPrivate) {
            b.pgSwapbacked = b.pgPrivate + 6;
        }
        // Linux 6.10 stopped exporting PG_slab; 1.7.9 then tests bit 7 (PG_slab_ORIGINAL) as well as
        // PAGE_SLAB_MAPCOUNT_VALUE. Reproduced on purpose: it is what the reference tool does.
        b.pgSlab = orDefault(k.number("PG_slab", p), PG_SLAB_ORIGINAL);
        b.pgHeadMask = orDefault(k.number("PG_head_mask", p), 1L << PG_COMPOUND_ORIGINAL);
        b.pgHwpoison = k.number("PG_hwpoison", p);
        b.pgBuddy = k.number("PG_buddy", p);
        b.pgHugetlb = k.number("PG_hugetlb", p);
        b.buddyMapcount = k.number("PAGE_BUDDY_MAPCOUNT_VALUE", p);
        if (b.buddyMapcount == NF) {
            if (version == kernelVersion(2, 6, 38)) {
                b.buddyMapcount = PAGE_BUDDY_MAPCOUNT_2_6_38;
            }
            if (version >= kernelVersion(2, 6, 39)) {
                b.buddyMapcount = PAGE_BUDDY_MAPCOUNT_2_6_39_ON;
            }
        }
        b.hugetlbMapcount = k.number("PAGE_HUGETLB_MAPCOUNT_VALUE", p);
        b.offlineMapcount = k.number("PAGE_OFFLINE_MAPCOUNT_VALUE", p);
        b.slabMapcount = k.number("PAGE_SLAB_MAPCOUNT_VALUE", p);
        b.unacceptedMapcount = k.number("PAGE_UNACCEPTED_MAPCOUNT_VALUE", p);
        b.hugetlbDtor = k.number("HUGETLB_PAGE_DTOR", p);
        b.freeHugePage = k.symbol("free_huge_page", p);
        b.freeAreaLength = k.length("zone.free_area", p);
        if (!p.isEmpty()) {
            throw p.toException(info.resource(), "decoding struct page", level, 0);
        }
        return new PageLayout(b);
    }

    private static long orDefault(long v, long dflt) {
        return v == NF ? dflt : v;
    }

    private static void checkMember(MissingKeys p, String key, long off, int width, long size) {
        if (off < 0 || off > size - width) {
            p.unusable(key, "is " + off + ": a " + width + "-byte member there lies outside SIZE(page)=" + size);
        }
    }

    private static void checkOptionalMember(MissingKeys p, String key, long off, int width, long size) {
        if (off != NF) {
            checkMember(p, key, off, width, size);
        }
    }

    private static final class Builder {
        String resource;
        int pageSize;
        long kernelVersion;
        long sizePage;
        long offFlags;
        long offRefcount;
        long offMapping;
        long offLru;
        long offMapcount;
        long offPrivate;
        long offCompoundHead;
        int orderOffset;
        int orderWidth;
        int dtorOffset;
        int dtorWidth;
        long pgLru;
        long pgPrivate;
        long pgSwapcache;
        long pgSwapbacked;
        long pgSlab;
        long pgHeadMask;
        long pgHwpoison;
        long pgBuddy;
        long pgHugetlb;
        long buddyMapcount;
        long hugetlbMapcount;
        long offlineMapcount;
        long slabMapcount;
        long unacceptedMapcount;
        long hugetlbDtor;
        long freeHugePage;
        long freeAreaLength;
    }
}
