package org.vmcore4j.filter;

import java.util.Arrays;

/** Frames to clear from the 2nd bitmap: sorted, merged ranges, and the count makedumpfile prints. */
final class VmemmapDeletions {
    private final long[] from;
    private final long[] to;
    private final int ranges;
    private final long pages;

    private VmemmapDeletions(long[] from, long[] to, int ranges, long pages) {
        this.from = from;
        this.to = to;
        this.ranges = ranges;
        this.pages = pages;
    }

    static VmemmapDeletions of(long[] starts, long[] lengths, int n, long pages) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
        long[] from = new long[n];
        long[] to = new long[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            long s = starts[order[k]];
            long e = s + lengths[order[k]];
            if (m > 0 && s <= to[m - 1]) {
                to[m - 1] = Math.max(to[m - 1], e);
            } else {
                from[m] = s;
                to[m] = e;
                m++;
            }
        }
        return new VmemmapDeletions(from, to, m, pages);
    }

    /** Pages deleted as makedumpfile counts them (a page found twice counts twice). */
    long pages() {
        return pages;
    }

    /** Clears the deleted frames within {@code dumpable}'s range; returns how many were set. */
    long apply(PfnBitmap dumpable) {
        long cs = dumpable.startPfn();
        long ce = dumpable.endPfn();
        long cleared = 0;
        for (int i = 0; i < ranges; i++) {
            long a = Math.max(from[i], cs);
            long b = Math.min(to[i], ce);
            if (a < b) {
                cleared += dumpable.cardinality(a, b);
                dumpable.clearRange(a, b);
            }
        }
        return cleared;
    }
}
