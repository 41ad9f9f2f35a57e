package org.vmcore4j.filter;

/**
 * makedumpfile's __exclude_unnecessary_pages decision for one head (or order-0) page: which
 * {@link PageClass} the dump level excludes it as, from the fields of its struct page, tested in
 * makedumpfile's order (free, unaccepted, cache, private cache, user, hwpoison, offline).
 */
final class PageClassifier {
    /** How free pages are recognised from their struct page: not at all (the free lists are walked). */
    static final int BUDDY_NONE = 0;
    /** 2.6.17-2.6.37: the PG_buddy flag. */
    static final int BUDDY_FLAG = 2;
    /** Later kernels: the PAGE_BUDDY_MAPCOUNT_VALUE page type in {@code _mapcount}. */
    static final int BUDDY_MAPCOUNT = 3;

    private final PageLayout layout;
    private final int lv;
    private final int buddyMode;

    PageClassifier(PageLayout layout, DumpLevel level, int buddyMode) {
        this.layout = layout;
        this.lv = level.value();
        this.buddyMode = buddyMode;
    }

    /**
     * The class of a head page, {@link PageClass#KEPT} when this level keeps it.
     *
     * @param destructor the compound destructor ({@link StructPageReader#compoundDestructor}), 0 for
     *                   an order-0 page
     */
    PageClass classify(long flags, long mapping, int mapcount, long destructor) {
        final PageLayout L = layout;
        if ((lv & DumpLevel.FREE) != 0 && buddyMode != BUDDY_NONE && isBuddy(flags, mapcount)) {
            return PageClass.FREE;
        } else if ((lv & DumpLevel.FREE) != 0 && L.unacceptedMapcount != PageLayout.NF
                && mapcount == (int) L.unacceptedMapcount) {
            return PageClass.UNACCEPTED;
        } else if ((lv & DumpLevel.CACHE) != 0 && isCache(flags) && !testBit(L.pgPrivate, flags)
                && !isAnon(mapping, flags, mapcount)) {
            return PageClass.CACHE;
        } else if ((lv & DumpLevel.CACHE_PRIVATE) != 0 && isCache(flags) && !isAnon(mapping, flags, mapcount)) {
            return testBit(L.pgPrivate, flags) ? PageClass.CACHE_PRIVATE : PageClass.CACHE;
        } else if ((lv & DumpLevel.USER) != 0 && (isAnon(mapping, flags, mapcount) || isHugetlb(destructor))) {
            return PageClass.USER;
        } else if (L.pgHwpoison != PageLayout.NF && testBit(L.pgHwpoison, flags)) {
            return PageClass.HWPOISON;
        } else if (isOffline(flags, mapcount)) {
            return PageClass.OFFLINE;
        }
        return PageClass.KEPT;
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
        return dtor == StructPageReader.IS_HUGETLB
                || (layout.hugetlbDtor != PageLayout.NF && layout.hugetlbDtor == dtor)
                || (layout.freeHugePage != 0 && layout.freeHugePage == dtor);
    }

    private boolean isOffline(long flags, int mapcount) {
        if (layout.offlineMapcount == PageLayout.NF || isSlab(flags, mapcount)) {
            return false;
        }
        return mapcount == (int) layout.offlineMapcount;
    }
}
