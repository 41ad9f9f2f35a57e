package org.vmcore4j.filter;

/**
 * One cycle of a scan: the PFN range {@code [startPfn, endPfn)} and its bitmaps, as makedumpfile
 * builds them one cycle at a time.
 *
 * <ul>
 *   <li>{@link #ram()}: the 1st bitmap, every frame a PT_LOAD covers, each PT_LOAD counted as
 *       {@code [floor(start/page), floor(end/page))} (a partial last page is not RAM).</li>
 *   <li>{@link #dumpable()}: the 2nd bitmap, frames to write; a subset of {@link #ram()}.</li>
 *   <li>{@link #zero()}: with {@link ZeroPageHandling#KDUMP_SHARED_DESCRIPTOR}, the dumpable frames
 *       that are all zeros (they stay in {@link #dumpable()}); empty otherwise.</li>
 * </ul>
 *
 * <p>Valid only inside {@link CycleConsumer#accept}: the scan reuses the storage for the next cycle.
 */
public final class FilterCycle {
    final PfnBitmap ram;
    final PfnBitmap dumpable;
    final PfnBitmap zero;
    int index;
    int count;

    FilterCycle(PfnBitmap ram, PfnBitmap dumpable, PfnBitmap zero) {
        this.ram = ram;
        this.dumpable = dumpable;
        this.zero = zero;
    }

    /** {@return a copy that outlives the scan's next cycle} */
    public FilterCycle copy() {
        FilterCycle c = new FilterCycle(ram.copy(), dumpable.copy(), zero.copy());
        c.index = index;
        c.count = count;
        return c;
    }

    /** {@return the first frame of the cycle} */
    public long startPfn() {
        return ram.startPfn();
    }

    /** {@return one past the last frame of the cycle} */
    public long endPfn() {
        return ram.endPfn();
    }

    /**
     * {@return index of this cycle in {@link PageFilter#scan}, from 0 (always 0 for a {@link
     * PageScan#cycle})}
     */
    public int index() {
        return index;
    }

    /** {@return number of cycles in {@link PageFilter#scan} (1 for a {@link PageScan#cycle})} */
    public int count() {
        return count;
    }

    /** {@return the 1st bitmap ("memory present") of this cycle} */
    public PfnBitmap ram() {
        return ram;
    }

    /** {@return the 2nd bitmap ("dumpable") of this cycle} */
    public PfnBitmap dumpable() {
        return dumpable;
    }

    /**
     * {@return the pfn bitmap}. Dumpable frames found to be all zeros (only with {@link
     * ZeroPageHandling#KDUMP_SHARED_DESCRIPTOR}).
     */
    public PfnBitmap zero() {
        return zero;
    }

    @Override
    public String toString() {
        return "FilterCycle#" + index + "[" + startPfn() + ", " + endPfn() + ")";
    }
}
