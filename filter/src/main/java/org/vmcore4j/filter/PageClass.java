package org.vmcore4j.filter;

/**
 * Why a dump level leaves a page out, as makedumpfile's __exclude_unnecessary_pages and
 * exclude_zero_pages decide it ({@link PageFilter#classify} gives it per frame); the report counts
 * pages per class. The order of the constants is the order of the report's counters.
 */
public enum PageClass {
    /** All bytes zero (dump level bit 1). */
    ZERO,
    /** Page cache without private data (bit 2; bit 4 takes it too). */
    CACHE,
    /** Page cache with private data, PG_private set (bit 4). */
    CACHE_PRIVATE,
    /** Anonymous or hugetlb memory of user processes (bit 8). */
    USER,
    /** On the buddy allocator's free lists (bit 16). */
    FREE,
    /** Marked PG_hwpoison: a memory error; reading it could crash the reader (always left out). */
    HWPOISON,
    /** Offlined by a balloon or memory hot-unplug (PageOffline; always left out). */
    OFFLINE,
    /** Not yet accepted by a confidential guest: reported as free (bit 16), as makedumpfile does. */
    UNACCEPTED,
    /** None of the above at this dump level: the page stays in the dump. */
    KEPT
}
