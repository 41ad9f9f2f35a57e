package org.vmcore4j.filter;

/**
 * Benchmarks only: builds a {@link PfnBitmap} that outlives its scan (the scan's own bitmaps are
 * reused cycle after cycle), through the package-private constructor. Lives in the benchmarks jar,
 * in the filter's package, so the filter needs no public constructor for it.
 */
public final class BenchmarkAccess {
    private BenchmarkAccess() {
    }

    /** A copy of {@code source}: same range, same bits. */
    public static PfnBitmap copyOf(PfnBitmap source) {
        long bits = source.endPfn() - source.startPfn();
        if (bits > Integer.MAX_VALUE - 63) {
            throw new IllegalArgumentException("bitmap too large to copy: " + bits + " frames");
        }
        PfnBitmap copy = new PfnBitmap((int) bits);
        copy.reset(source.startPfn(), source.endPfn());
        copy.copyFrom(source);
        return copy;
    }
}
