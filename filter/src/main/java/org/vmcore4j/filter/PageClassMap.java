package org.vmcore4j.filter;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The class makedumpfile 1.7.9 gives each page frame of a dump at one dump level: free, cache,
 * private cache, user, zero, hwpoison, offline, unaccepted, or {@link PageClass#KEPT}. Made by
 * {@link PageFilter#classify}; frames that are not RAM, or whose data the dump does not hold (a
 * page an earlier filtering left out, a lost page), have no class here: ask
 * {@link org.vmcore4j.core.PhysicalMemory#status(long)} why.
 *
 * <p>Kept as runs of frames of one class (9 bytes a run). Immutable and safe to share between threads.
 */
public final class PageClassMap {
    private static final PageClass[] CLASSES = PageClass.values();
    private static final byte NO_CLASS = -1;

    /**
     * Frames {@code [startPfn, endPfn)}, all of class {@code pageClass}.
     *
     * @param startPfn  first frame of the run
     * @param endPfn    one past its last frame
     * @param pageClass the class of every frame in it
     */
    public record Run(long startPfn, long endPfn, PageClass pageClass) {
        /**
         * Checks the components.
         *
         * @param startPfn first frame of the run
         * @param endPfn one past the last frame
         * @param pageClass a page class
         * @throws IllegalArgumentException if the run is empty or reversed
         */
        public Run {
            Objects.requireNonNull(pageClass, "pageClass");
            if (endPfn <= startPfn) {
                throw new IllegalArgumentException("empty run " + startPfn + ".." + endPfn);
            }
        }

        /** {@return the number of frames in the run} */
        public long pages() {
            return endPfn - startPfn;
        }
    }

    private final DumpLevel level;
    // run i covers [bounds[i], bounds[i+1]) with class codes[i] (NO_CLASS: no class)
    private final long[] bounds;
    private final byte[] codes;
    private final int[] classified;

    private PageClassMap(DumpLevel level, long[] bounds, byte[] codes) {
        this.level = level;
        this.bounds = bounds;
        this.codes = codes;
        int n = 0;
        for (byte c : codes) {
            n += c == NO_CLASS ? 0 : 1;
        }
        this.classified = new int[n];
        for (int i = 0, k = 0; i < codes.length; i++) {
            if (codes[i] != NO_CLASS) {
                classified[k++] = i;
            }
        }
    }

    /**
     * {@return the dump level the frames were classified at: classes it does not exclude are {@link
     * PageClass#KEPT}}
     */
    public DumpLevel level() {
        return level;
    }

    /**
     * {@return one past the last frame the map describes (the dump's {@code max_mapnr} as the scan
     * found it)}
     */
    public long endPfn() {
        return bounds[bounds.length - 1];
    }

    /**
     * The class of frame {@code pfn}; empty where it is not RAM or the dump does not hold its data.
     *
     * @param pfn a page frame number
     * @return the class of frame {@code pfn}; empty where it is not RAM or the dump does not hold its data
     * @throws IndexOutOfBoundsException if {@code pfn} is outside {@code [0, endPfn())}
     */
    public Optional<PageClass> classOf(long pfn) {
        Objects.checkIndex(pfn, endPfn());
        int i = Arrays.binarySearch(bounds, pfn);
        byte c = codes[i >= 0 ? i : -i - 2];
        return c == NO_CLASS ? Optional.empty() : Optional.of(CLASSES[c]);
    }

    /**
     * How many frames have class {@code pageClass}.
     *
     * @param pageClass a page class
     * @return how many frames have class {@code pageClass}
     */
    public long count(PageClass pageClass) {
        long n = 0;
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] == pageClass.ordinal()) {
                n += bounds[i + 1] - bounds[i];
            }
        }
        return n;
    }

    /**
     * The runs of classified frames in frame order; the frames between them have no class. An
     * unmodifiable view; each element is made on access.
     *
     * @return the runs of classified frames in frame order; the frames between them have no class
     */
    public List<Run> runs() {
        return new AbstractList<>() {
            @Override
            public Run get(int k) {
                int i = classified[Objects.checkIndex(k, classified.length)];
                return new Run(bounds[i], bounds[i + 1], CLASSES[codes[i]]);
            }

            @Override
            public int size() {
                return classified.length;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PageClassMap m && level.equals(m.level) && Arrays.equals(bounds, m.bounds)
                && Arrays.equals(codes, m.codes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(level, Arrays.hashCode(bounds), Arrays.hashCode(codes));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "PageClassMap[level %d, %d frames, %d runs:",
                level.value(), endPfn(), classified.length));
        for (PageClass c : CLASSES) {
            long n = count(c);
            if (n > 0) {
                sb.append(' ').append(c).append('=').append(n);
            }
        }
        return sb.append(']').toString();
    }

    /**
     * Builds the map from a scan: the runs the scanner excludes, with their classes, as they come
     * (any order within a cycle), then each cycle's 2nd bitmap, which says which of the rest are kept.
     */
    static final class Builder implements CycleScanner.ClassRecorder, CycleConsumer {
        private final DumpLevel level;
        private long[] bounds = new long[64];
        private byte[] codes = new byte[63];
        private int runs;
        // the current cycle's exclusions: start, end, class
        private long[] excluded = new long[3 * 64];
        private int excludedCount;

        Builder(DumpLevel level) {
            this.level = level;
        }

        @Override
        public void excluded(PageClass pageClass, long from, long end) {
            if (excludedCount > 0) {
                int last = 3 * (excludedCount - 1);
                if (excluded[last + 1] == from && excluded[last + 2] == pageClass.ordinal()) {
                    excluded[last + 1] = end; // one frame after another: the common case of order-0 pages
                    return;
                }
            }
            if (3 * excludedCount + 3 > excluded.length) {
                excluded = Arrays.copyOf(excluded, excluded.length * 2);
            }
            excluded[3 * excludedCount] = from;
            excluded[3 * excludedCount + 1] = end;
            excluded[3 * excludedCount + 2] = pageClass.ordinal();
            excludedCount++;
        }

        @Override
        public void accept(FilterCycle cycle) {
            long cs = cycle.startPfn();
            long ce = cycle.endPfn();
            PfnBitmap dumpable = cycle.dumpable();
            Integer[] order = new Integer[excludedCount];
            for (int i = 0; i < excludedCount; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(excluded[3 * a], excluded[3 * b]));
            long p = cs;
            for (Integer k : order) {
                long from = Math.max(excluded[3 * k], p);
                long end = Math.min(excluded[3 * k + 1], ce);
                if (from >= end) {
                    continue; // outside the cycle, or covered by a run before it (the first class wins)
                }
                fromBitmap(dumpable, p, from);
                emit(from, end, (byte) excluded[3 * k + 2]);
                p = end;
            }
            fromBitmap(dumpable, p, ce);
            excludedCount = 0;
        }

        /** Frames no exclusion named: kept where the 2nd bitmap has them, else without class. */
        private void fromBitmap(PfnBitmap dumpable, long from, long end) {
            long p = from;
            while (p < end) {
                long set = dumpable.nextSetBit(p);
                if (set < 0 || set >= end) {
                    emit(p, end, NO_CLASS);
                    return;
                }
                emit(p, set, NO_CLASS);
                long q = set;
                while (q < end && dumpable.get(q)) {
                    q++;
                }
                emit(set, q, (byte) PageClass.KEPT.ordinal());
                p = q;
            }
        }

        private void emit(long from, long end, byte code) {
            if (from >= end) {
                return;
            }
            if (runs > 0 && codes[runs - 1] == code && bounds[runs] == from) {
                bounds[runs] = end;
                return;
            }
            if (runs == 0) {
                bounds[0] = from;
            }
            if (runs + 2 > bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
                codes = Arrays.copyOf(codes, bounds.length - 1);
            }
            codes[runs] = code;
            runs++;
            bounds[runs] = end;
        }

        PageClassMap build(long endPfn) {
            emit(runs == 0 ? 0 : bounds[runs], endPfn, NO_CLASS);
            if (runs == 0) {
                return new PageClassMap(level, new long[] {0}, new byte[0]);
            }
            return new PageClassMap(level, Arrays.copyOf(bounds, runs + 1), Arrays.copyOf(codes, runs));
        }
    }
}
