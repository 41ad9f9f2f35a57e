package org.vmcore4j.filter;

/**
 * Receives a scan's progress and warnings; the library never prints. Every method has an empty
 * default, so a caller implements only what it shows. Called on the scanning thread.
 */
public interface ScanListener {
    /** A listener that ignores everything. */
    ScanListener NONE = new ScanListener() {
    };

    /**
     * The mem_map was found: the memory model, how many PFN ranges have a struct page array, and
     * max_mapnr after makedumpfile's reduction to the last of them.
     *
     * @param model the model
     * @param ranges the physical ranges
     * @param maxMapnr one past the last frame of the dump
     */
    default void memMapFound(String model, int ranges, long maxMapnr) {
    }

    /**
     * Frames below {@code donePfn} (of {@code maxMapnr}) are decided. Called after each mem_map range
     * of a cycle and after each cycle, so a single large cycle still reports progress; cheap enough to
     * throttle in the listener.
     *
     * @param donePfn the done pfn
     * @param maxMapnr one past the last frame of the dump
     */
    default void progress(long donePfn, long maxMapnr) {
    }

    /**
     * Cycle {@code index} of {@code count}, covering {@code [startPfn, endPfn)}, has been handed to the consumer.
     *
     * @param index the index
     * @param count the count
     * @param startPfn the first frame
     * @param endPfn one past the last frame
     */
    default void cycleDone(int index, int count, long startPfn, long endPfn) {
    }

    /**
     * With {@link PageFilter#withUnusedVmemmapExcluded}: {@code pages} vmemmap pages were found unused
     * and are left out (makedumpfile's "Excluded N unused vmemmap pages"). Called when they are found,
     * before the cycles are handed over; a writer that scans twice hears it twice.
     *
     * @param pages the pages
     */
    default void unusedVmemmapExcluded(long pages) {
    }

    /**
     * Something makedumpfile would print a WARNING for (e.g. a free page with an impossible order); the scan goes on.
     *
     * @param message the detail message
     */
    default void warning(String message) {
    }
}
