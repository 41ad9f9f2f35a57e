package org.vmcore4j.filter;

import java.io.IOException;
import java.util.Locale;

/**
 * A prepared scan whose cycles the caller drives, for writers that cannot take
 * {@link PageFilter#scan}'s fixed order: makedumpfile's ELF writer, for instance, walks each PT_LOAD
 * in cycles that start at {@code round(start, 8)}, counting anew. Obtained from
 * {@link PageFilter#prepare}.
 *
 * <p>Each {@link #cycle} call builds the bitmaps of one PFN range into the same reused
 * {@link FilterCycle} (valid until the next call) and adds what it excluded to the counts. A block
 * (compound page, free buddy block) that runs past a cycle's end is finished at the start of the next
 * call, as makedumpfile carries it, unless {@link #startRange()} begins a new run. Single-threaded.
 */
public final class PageScan {
    final CycleScanner scanner;
    /** With {@code -e}: where the vmemmap is; null without, or when it could not be mapped. */
    private final UnusedVmemmap vmemmap;
    /** Whether the scanner builds its 1st bitmap as makedumpfile's one-pass mode does. */
    private final boolean singlePass;
    private final ScanListener listener;
    /** The vmemmap pages to clear from every cycle's 2nd bitmap, once known. */
    private VmemmapDeletions deletions;
    /** Dumpable frames the deletions cleared since the counts were last reset. */
    private long vmemmapCleared;

    PageScan(CycleScanner scanner) {
        this(scanner, null, false, ScanListener.NONE);
    }

    PageScan(CycleScanner scanner, UnusedVmemmap vmemmap, boolean singlePass, ScanListener listener) {
        this.scanner = scanner;
        this.vmemmap = vmemmap;
        this.singlePass = singlePass;
        this.listener = listener;
    }

    /**
     * {@return max_mapnr after makedumpfile's reduction to the last PFN with a mem_map: cycles of a
     * full scan end here}
     */
    public long maxMapnr() {
        return scanner.maxMapnr();
    }

    /** {@return the most frames one {@link #cycle} may cover (the cycle buffer's bytes times 8)} */
    public long cyclePfns() {
        return scanner.pfnCyclic();
    }

    /**
     * Builds the bitmaps of {@code [startPfn, endPfn)}.
     *
     * @return the filter cycle
     * @param startPfn a multiple of 8 (makedumpfile's bitmap bytes), at least 0
     * @param endPfn   greater than {@code startPfn}, at most {@code startPfn + cyclePfns()}; where the
     *                 whole dump is smaller than a cycle, at most 16 frames past the dump's last frame
     * @throws IOException if reading or writing fails
     */
    public FilterCycle cycle(long startPfn, long endPfn) throws IOException {
        long max = scanner.capacity();
        if (startPfn < 0 || (startPfn & 7) != 0 || endPfn <= startPfn || endPfn - startPfn > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "cycle [%d, %d) must start at a multiple of 8 and "
                    + "span 1..%d frames", startPfn, endPfn, max));
        }
        FilterCycle cycle = scanner.cycle(startPfn, endPfn, 0, 1);
        if (deletions != null) {
            vmemmapCleared += deletions.apply(cycle.dumpable());
        }
        return cycle;
    }

    /** Forgets a multi-page exclusion pending from the previous cycle (makedumpfile's first_cycle). */
    public void startRange() {
        scanner.startRange();
    }

    /** Sets every count to zero and the memory hole back to {@link #maxMapnr()}, as makedumpfile does before writing. */
    public void resetCounts() {
        scanner.resetCounts();
        vmemmapCleared = 0;
    }

    /**
     * The counts so far. The memory hole is what the 1st bitmaps of the cycles built so far leave
     * out of {@link #maxMapnr()} (kdump semantics); a writer that counts differently (ELF) replaces it
     * with {@link FilterReport#withMemoryHolePages(long)}.
     *
     * @return the counts so far
     */
    public FilterReport report() {
        return withVmemmap(scanner.report());
    }

    private FilterReport withVmemmap(FilterReport r) {
        return deletions == null ? r : r.withUnusedVmemmapPages(deletions.pages(), vmemmapCleared);
    }

    /**
     * Every cycle of the dump, in order, to {@code consumer} ({@link PageFilter#scan}). With {@code -e}
     * the unused vmemmap pages are found from the whole 2nd bitmap before any cycle is handed over:
     * from the one cycle itself when the dump fits one, else by a scan beforehand.
     */
    FilterReport run(CycleConsumer consumer) throws IOException {
        if (vmemmap == null) {
            return scanner.run(consumer);
        }
        boolean oneCycle = scanner.maxMapnr() <= scanner.pfnCyclic();
        if (deletions == null && !oneCycle) {
            findUnusedVmemmap();
        }
        vmemmapCleared = 0;
        FilterReport r = scanner.run(cycle -> {
            if (deletions == null) {
                UnusedVmemmap.Finder finder = vmemmap.finder();
                finder.accept(cycle.ram(), cycle.dumpable(), cycle.startPfn(), cycle.endPfn());
                found(finder.finish());
            }
            vmemmapCleared += deletions.apply(cycle.dumpable());
            consumer.accept(cycle);
        });
        return withVmemmap(r);
    }

    /**
     * Finds the unused vmemmap pages with a scan of its own, in one-pass mode as makedumpfile's
     * {@code -e} always runs, then puts the counts back. For writers that drive the cycles
     * themselves (ELF output), before their first {@link #cycle}.
     */
    void findUnusedVmemmap() throws IOException {
        if (vmemmap == null || deletions != null) {
            return;
        }
        UnusedVmemmap.Finder finder = vmemmap.finder();
        scanner.singleCycle(true);
        try {
            scanner.run(cycle -> finder.accept(cycle.ram(), cycle.dumpable(), cycle.startPfn(), cycle.endPfn()));
        } finally {
            scanner.singleCycle(singlePass);
        }
        scanner.resetCounts();
        scanner.startRange();
        found(finder.finish());
    }

    private void found(VmemmapDeletions d) {
        deletions = d;
        listener.unusedVmemmapExcluded(d.pages());
    }
}
