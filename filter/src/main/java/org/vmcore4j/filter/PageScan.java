package org.vmcore4j.filter;

import java.io.IOException;

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
    final Scanner scanner;

    PageScan(Scanner scanner) {
        this.scanner = scanner;
    }

    /** max_mapnr after makedumpfile's reduction to the last PFN with a mem_map: cycles of a full scan end here. */
    public long maxMapnr() {
        return scanner.maxMapnr();
    }

    /** The most frames one {@link #cycle} may cover (the cycle buffer's bytes times 8). */
    public long cyclePfns() {
        return scanner.pfnCyclic();
    }

    /**
     * Builds the bitmaps of {@code [startPfn, endPfn)}.
     *
     * @param startPfn a multiple of 8 (makedumpfile's bitmap bytes), at least 0
     * @param endPfn   greater than {@code startPfn}, at most {@code startPfn + cyclePfns()}; where the
     *                 whole dump is smaller than a cycle, at most 16 frames past the dump's last frame
     */
    public FilterCycle cycle(long startPfn, long endPfn) throws IOException {
        long max = scanner.capacity();
        if (startPfn < 0 || (startPfn & 7) != 0 || endPfn <= startPfn || endPfn - startPfn > max) {
            throw new IllegalArgumentException(String.format("cycle [%d, %d) must start at a multiple of 8 and "
                    + "span 1..%d frames", startPfn, endPfn, max));
        }
        return scanner.cycle(startPfn, endPfn, 0, 1);
    }

    /** Forgets a multi-page exclusion pending from the previous cycle (makedumpfile's first_cycle). */
    public void startRange() {
        scanner.startRange();
    }

    /** Sets every count to zero and the memory hole back to {@link #maxMapnr()}, as makedumpfile does before writing. */
    public void resetCounts() {
        scanner.resetCounts();
    }

    /**
     * The counts so far. The memory hole is what the 1st bitmaps of the cycles built so far leave
     * out of {@link #maxMapnr()} (kdump semantics); a writer that counts differently (ELF) replaces it
     * with {@link FilterReport#withMemoryHolePages(long)}.
     */
    public FilterReport report() {
        return scanner.report();
    }
}
