package org.vmcore4j.core.arch;

/**
 * A small direct-mapped cache of page-table walk results, so that reading a large structure or
 * millions of scattered words does not walk the tables again for every page.
 *
 * <p>Lock-free: slots are plain array elements holding immutable {@link Mapping}s, whose final
 * fields make them safe to publish through a data race. A racing reader may miss an entry another
 * thread just stored and walk again; it can never see a torn one. Two arrays keep small pages from
 * evicting large ones: one indexed by the small-page number, one by the large-page number (a 1 GiB
 * page is stored under each 2 MiB piece that was asked for).
 */
final class TranslationCache {
    private static final int SMALL_SLOTS = 1024;
    private static final int LARGE_SLOTS = 512; // 1 GiB of 2 MiB pages: a small machine's whole direct map

    private final int smallShift;
    private final int largeShift;
    private final Mapping[] small = new Mapping[SMALL_SLOTS];
    private final Mapping[] large = new Mapping[LARGE_SLOTS];

    /**
     * @param smallShift log2 of the base page size (12 on x86_64)
     * @param largeShift log2 of the smallest large page (21 on x86_64); mappings at least this large go to the large array
     */
    TranslationCache(int smallShift, int largeShift) {
        this.smallShift = smallShift;
        this.largeShift = largeShift;
    }

    /** The cached mapping that contains {@code vaddr}, or null. */
    Mapping lookup(long vaddr) {
        Mapping m = large[(int) (vaddr >>> largeShift) & (LARGE_SLOTS - 1)];
        if (m != null && m.contains(vaddr)) {
            return m;
        }
        m = small[(int) (vaddr >>> smallShift) & (SMALL_SLOTS - 1)];
        if (m != null && m.contains(vaddr)) {
            return m;
        }
        return null;
    }

    /** Remembers {@code m}, found by walking for {@code vaddr}. */
    void put(long vaddr, Mapping m) {
        if (m.shift() >= largeShift) {
            large[(int) (vaddr >>> largeShift) & (LARGE_SLOTS - 1)] = m;
        } else {
            small[(int) (vaddr >>> smallShift) & (SMALL_SLOTS - 1)] = m;
        }
    }
}
