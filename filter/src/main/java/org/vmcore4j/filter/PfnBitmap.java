package org.vmcore4j.filter;

import java.util.Arrays;
import java.util.Objects;

/**
 * One bit per page frame over the PFN range {@code [startPfn, endPfn)} of a scan cycle.
 *
 * <p>Callers only read it: a {@link FilterCycle} hands out bitmaps whose storage the scan reuses for
 * the next cycle, so they are valid only during the {@link CycleConsumer#accept} call that received
 * them. Copy with {@link #copyBytes} or {@link #nextSetBit} what must outlive it. Not thread-safe.
 */
public final class PfnBitmap {
    private long[] words;
    private long startPfn;
    private long endPfn;

    PfnBitmap(int capacityBits) {
        words = new long[(capacityBits + 63) >>> 6];
    }

    /** Re-targets the bitmap at {@code [start, end)} with every bit clear. */
    void reset(long start, long end) {
        long bits = end - start;
        if (bits < 0 || bits > (long) words.length << 6) {
            throw new IllegalArgumentException("cycle of " + bits + " frames exceeds the bitmap's capacity");
        }
        startPfn = start;
        endPfn = end;
        Arrays.fill(words, 0, (int) ((bits + 63) >>> 6), 0L);
    }

    /** {@return first frame covered} */
    public long startPfn() {
        return startPfn;
    }

    /** {@return one past the last frame covered} */
    public long endPfn() {
        return endPfn;
    }

    /**
     * Whether {@code pfn} is set; frames outside the range read as clear.
     *
     * @param pfn a page frame number
     * @return whether {@code pfn} is set; frames outside the range read as clear
     */
    public boolean get(long pfn) {
        if (pfn < startPfn || pfn >= endPfn) {
            return false;
        }
        long i = pfn - startPfn;
        return (words[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    /** {@return number of set bits} */
    public long cardinality() {
        long n = 0;
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        for (int w = 0; w < used; w++) {
            n += Long.bitCount(words[w]);
        }
        return n;
    }

    /**
     * Number of set bits in {@code [from, to)} (clamped to the range).
     *
     * @param from the first frame to look at
     * @param to one past the last frame
     * @return number of set bits in {@code [from, to)} (clamped to the range)
     */
    public long cardinality(long from, long to) {
        from = Math.max(from, startPfn);
        to = Math.min(to, endPfn);
        if (from >= to) {
            return 0;
        }
        // a word at a time, the first and last masked (290x the bit-by-bit walk at -d 31, JMH BitmapBenchmark)
        long a = from - startPfn;
        long b = to - startPfn;
        int wa = (int) (a >>> 6);
        int wb = (int) ((b - 1) >>> 6);
        long first = -1L << a;
        long last = -1L >>> (63 - ((b - 1) & 63));
        if (wa == wb) {
            return Long.bitCount(words[wa] & first & last);
        }
        long n = Long.bitCount(words[wa] & first) + Long.bitCount(words[wb] & last);
        for (int w = wa + 1; w < wb; w++) {
            n += Long.bitCount(words[w]);
        }
        return n;
    }

    /**
     * The first set frame at or after {@code from}, or -1.
     *
     * @param from the first frame to look at
     * @return the first set frame at or after {@code from}, or -1
     */
    public long nextSetBit(long from) {
        if (from < startPfn) {
            from = startPfn;
        }
        if (from >= endPfn) {
            return -1;
        }
        long i = from - startPfn;
        int w = (int) (i >>> 6);
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        long word = words[w] & (-1L << i);
        while (true) {
            if (word != 0) {
                long pfn = startPfn + ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return pfn < endPfn ? pfn : -1;
            }
            if (++w >= used) {
                return -1;
            }
            word = words[w];
        }
    }

    /** {@return bytes {@link #copyBytes} writes: one per eight frames, rounded up} */
    public int byteLength() {
        return (int) ((endPfn - startPfn + 7) >>> 3);
    }

    /**
     * Copies the bits in makedumpfile's on-disk order (frame {@code startPfn + n} is bit {@code n & 7},
     * least significant first, of byte {@code n >> 3}) into {@code dst[off .. off+byteLength())}.
     *
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     */
    public void copyBytes(byte[] dst, int off) {
        int len = byteLength();
        Objects.checkFromIndexSize(off, len, dst.length);
        for (int b = 0; b < len; b++) {
            dst[off + b] = (byte) (words[b >>> 3] >>> ((b & 7) << 3));
        }
    }

    void set(long pfn) {
        long i = pfn - startPfn;
        words[(int) (i >>> 6)] |= 1L << i;
    }

    void clear(long pfn) {
        long i = pfn - startPfn;
        words[(int) (i >>> 6)] &= ~(1L << i);
    }

    /** Sets {@code [from, to)}, which must lie inside the range. */
    void setRange(long from, long to) {
        applyRange(from, to, true);
    }

    /** Clears {@code [from, to)}, which must lie inside the range. */
    void clearRange(long from, long to) {
        applyRange(from, to, false);
    }

    private void applyRange(long from, long to, boolean value) {
        if (from >= to) {
            return;
        }
        long a = from - startPfn;
        long b = to - startPfn;
        int wa = (int) (a >>> 6);
        int wb = (int) ((b - 1) >>> 6);
        long first = -1L << a;
        long last = -1L >>> (63 - ((b - 1) & 63));
        if (wa == wb) {
            long m = first & last;
            words[wa] = value ? words[wa] | m : words[wa] & ~m;
            return;
        }
        words[wa] = value ? words[wa] | first : words[wa] & ~first;
        Arrays.fill(words, wa + 1, wb, value ? -1L : 0L);
        words[wb] = value ? words[wb] | last : words[wb] & ~last;
    }

    /**
     * {@return an independent copy of the bits in use, with the same range: a snapshot that outlives
     * the cycle (a scan reuses its bitmaps cycle after cycle)}
     */
    public PfnBitmap copy() {
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        PfnBitmap c = new PfnBitmap(Math.max(1, used) << 6);
        c.startPfn = startPfn;
        c.endPfn = endPfn;
        System.arraycopy(words, 0, c.words, 0, used);
        return c;
    }

    /** Copies {@code other}'s bits; both must cover the same range. */
    void copyFrom(PfnBitmap other) {
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        System.arraycopy(other.words, 0, words, 0, used);
    }

    /** Clears every bit set in {@code other}; both must cover the same range. */
    void andNot(PfnBitmap other) {
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        for (int w = 0; w < used; w++) {
            words[w] &= ~other.words[w];
        }
    }

    /** Keeps only the bits also set in {@code other}; both must cover the same range. */
    void and(PfnBitmap other) {
        int used = (int) ((endPfn - startPfn + 63) >>> 6);
        for (int w = 0; w < used; w++) {
            words[w] &= other.words[w];
        }
    }

    @Override
    public String toString() {
        return "PfnBitmap[" + startPfn + ", " + endPfn + ")";
    }
}
