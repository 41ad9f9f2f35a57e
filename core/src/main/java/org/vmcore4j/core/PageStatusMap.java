package org.vmcore4j.core;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Which page frames of a range a dump holds, excluded, lost or never had as RAM: an immutable
 * snapshot of {@link PhysicalMemory#status(long)} over {@code [firstPfn, endPfn)}, kept as runs of
 * frames with one status (libkdumpfile's {@code file.pagemap} and {@code memory.pagemap} bitmaps in
 * one value). Take it with {@link PhysicalMemory#statusMap()} or
 * {@link PhysicalMemory#statusMap(long, long)}.
 *
 * <p>It costs 9 bytes per run, not per frame: a filtered dump of a few GiB has some tens of
 * thousands of runs. Immutable and safe to share between threads; {@link #equals} compares the
 * runs, so two readers of one dump can be checked against each other.
 */
public final class PageStatusMap {
    private static final PageStatus[] STATUSES = PageStatus.values();

    /**
     * Frames {@code [startPfn, endPfn)}, all of one status.
     *
     * @param startPfn first frame of the run
     * @param endPfn   one past its last frame
     * @param status   the status of every frame in it
     */
    public record Run(long startPfn, long endPfn, PageStatus status) {
        /**
         * Checks the components.
         *
         * @param startPfn first frame of the run
         * @param endPfn one past the last frame
         * @param status a page status
         * @throws IllegalArgumentException if the run is empty or reversed
         */
        public Run {
            Objects.requireNonNull(status, "status");
            if (endPfn <= startPfn) {
                throw new IllegalArgumentException("empty run " + startPfn + ".." + endPfn);
            }
        }

        /** {@return the number of frames in the run} */
        public long pages() {
            return endPfn - startPfn;
        }
    }

    // run i covers [bounds[i], bounds[i+1]); adjacent runs differ in status
    private final long[] bounds;
    private final byte[] statuses;

    private PageStatusMap(long[] bounds, byte[] statuses) {
        this.bounds = bounds;
        this.statuses = statuses;
    }

    /**
     * Reads the status of every frame in {@code [firstPfn, endPfn)} from {@code memory}, a run at a
     * time ({@link PhysicalMemory#statusRunEnd(long)}).
     *
     * @throws IllegalArgumentException if the range is negative or reversed
     * @throws java.io.UncheckedIOException if the dump cannot be read where the status is stored
     */
    static PageStatusMap of(PhysicalMemory memory, long firstPfn, long endPfn) {
        if (firstPfn < 0 || endPfn < firstPfn) {
            throw new IllegalArgumentException("bad frame range " + firstPfn + ".." + endPfn);
        }
        long[] b = new long[16];
        byte[] s = new byte[15];
        int runs = 0;
        b[0] = firstPfn;
        long pfn = firstPfn;
        while (pfn < endPfn) {
            PageStatus st = memory.status(pfn);
            long end = Math.min(endPfn, Math.max(pfn + 1, memory.statusRunEnd(pfn)));
            if (runs > 0 && s[runs - 1] == st.ordinal()) {
                b[runs] = end;
            } else {
                if (runs + 2 > b.length) {
                    b = Arrays.copyOf(b, b.length * 2);
                    s = Arrays.copyOf(s, b.length - 1);
                }
                s[runs] = (byte) st.ordinal();
                runs++;
                b[runs] = end;
            }
            pfn = end;
        }
        return new PageStatusMap(Arrays.copyOf(b, runs + 1), Arrays.copyOf(s, runs));
    }

    /** {@return the first frame the map describes} */
    public long firstPfn() {
        return bounds[0];
    }

    /** {@return one past the last frame the map describes} */
    public long endPfn() {
        return bounds[bounds.length - 1];
    }

    /**
     * The status of frame {@code pfn}.
     *
     * @param pfn a page frame number
     * @return the status of frame {@code pfn}
     * @throws IndexOutOfBoundsException if {@code pfn} is outside {@code [firstPfn(), endPfn())}
     */
    public PageStatus status(long pfn) {
        return STATUSES[statuses[runIndex(pfn)]];
    }

    /**
     * The runs, in frame order, covering {@code [firstPfn(), endPfn())} without gaps; adjacent runs
     * differ in status. An unmodifiable view; each element is made on access.
     *
     * @return the runs, in frame order, covering {@code [firstPfn(), endPfn())} without gaps;
     *         adjacent runs differ in status
     */
    public List<Run> runs() {
        return new AbstractList<>() {
            @Override
            public Run get(int i) {
                Objects.checkIndex(i, statuses.length);
                return new Run(bounds[i], bounds[i + 1], STATUSES[statuses[i]]);
            }

            @Override
            public int size() {
                return statuses.length;
            }
        };
    }

    /**
     * How many frames of the map have {@code status}.
     *
     * @param status a page status
     * @return how many frames of the map have {@code status}
     */
    public long count(PageStatus status) {
        long n = 0;
        for (int i = 0; i < statuses.length; i++) {
            if (statuses[i] == status.ordinal()) {
                n += bounds[i + 1] - bounds[i];
            }
        }
        return n;
    }

    /**
     * The first frame at or after {@code fromPfn} with {@code status}, if the map has one (as
     * libkdumpfile's {@code kdump_bmp_find_set} finds the next present frame).
     *
     * @param status a page status
     * @param fromPfn the from pfn
     * @return the first frame at or after {@code fromPfn} with {@code status}, if the map has one
     *         (as libkdumpfile's {@code kdump_bmp_find_set} finds the next present frame)
     */
    public OptionalLong next(PageStatus status, long fromPfn) {
        int i = fromPfn < firstPfn() ? 0 : fromPfn >= endPfn() ? statuses.length : runIndex(fromPfn);
        for (; i < statuses.length; i++) {
            if (statuses[i] == status.ordinal()) {
                return OptionalLong.of(Math.max(bounds[i], fromPfn));
            }
        }
        return OptionalLong.empty();
    }

    private int runIndex(long pfn) {
        if (pfn < firstPfn() || pfn >= endPfn()) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT, "frame 0x%x outside the map [0x%x, 0x%x)", pfn,
                    firstPfn(), endPfn()));
        }
        int i = Arrays.binarySearch(bounds, pfn);
        return i >= 0 ? i : -i - 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PageStatusMap m && Arrays.equals(bounds, m.bounds) && Arrays.equals(statuses, m.statuses);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bounds) + Arrays.hashCode(statuses);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "PageStatusMap[0x%x..0x%x, %d runs:", firstPfn(),
                endPfn(), statuses.length));
        for (PageStatus st : STATUSES) {
            sb.append(' ').append(st).append('=').append(count(st));
        }
        return sb.append(']').toString();
    }
}
