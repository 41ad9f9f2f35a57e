package org.vmcore4j.kdump;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.vmcore4j.core.RandomAccessSource;

/**
 * One of a kdump-compressed file's page bitmaps, read in place through the file's
 * {@link RandomAccessSource}: bit {@code pfn} is byte {@code pfn >> 3}, bit {@code pfn & 7} (least
 * significant first), whatever the dump's byte order. Only frames below {@link #size()} (the dump's
 * {@code max_mapnr}) count; bits past it are ignored.
 *
 * <p>The bitmap is never copied to the heap, so a terabyte dump costs no more memory than a small
 * one; the dumpable (2nd) bitmap additionally keeps a rank table of 8 bytes per 4096 frames, which
 * turns "how many set bits before {@code pfn}" (the page descriptor index) into one table lookup
 * plus at most 512 bytes of counting. Thread-safe.
 */
public final class PageBitmap {
    /** Frames per rank-table entry (makedumpfile and crash use the same 4096-PFN sections). */
    static final int SECTION_BITS = 4096;
    private static final int SECTION_BYTES = SECTION_BITS / 8;
    private static final int SCAN_BYTES = 1 << 16;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SECTION_BYTES]);

    private final RandomAccessSource source;
    private final long offset;
    private final long byteLength;
    private final long size;
    private final long[] rankTable; // rankTable[k] = set bits below k*4096; null where no ranks are needed
    private final long cardinality;

    private PageBitmap(RandomAccessSource source, long offset, long byteLength, long size, long[] rankTable,
            long cardinality) {
        this.source = source;
        this.offset = offset;
        this.byteLength = byteLength;
        this.size = size;
        this.rankTable = rankTable;
        this.cardinality = cardinality;
    }

    /**
     * A bitmap of {@code size} frames stored at {@code offset}; {@code byteLength} bytes are reserved
     * in the file (at least {@code ceil(size/8)}, checked by the caller against the file size).
     * Counts its set bits once, and with {@code withRanks} keeps the rank table.
     */
    static PageBitmap read(RandomAccessSource source, long offset, long byteLength, long size, boolean withRanks)
            throws IOException {
        if (size < 0 || (size + 7) / 8 > byteLength) {
            throw new IllegalArgumentException("bitmap of " + size + " bits in " + byteLength + " bytes");
        }
        long sections = (size + SECTION_BITS - 1) / SECTION_BITS;
        long[] table = null;
        if (withRanks) {
            if (sections + 1 > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("bitmap of " + size + " bits is too large to rank");
            }
            table = new long[(int) sections + 1];
        }
        byte[] buf = new byte[(int) Math.min(SCAN_BYTES, Math.max(8, (size + 7) / 8 + 8))];
        long count = 0;
        long bytesUsed = (size + 7) / 8;
        long pos = 0;
        while (pos < bytesUsed) {
            int n = (int) Math.min(buf.length, bytesUsed - pos);
            source.read(offset + pos, buf, 0, n);
            // SCAN_BYTES is a multiple of SECTION_BYTES, so sections never straddle two chunks
            for (int i = 0; i < n; i += SECTION_BYTES) {
                long section = (pos + i) / SECTION_BYTES;
                if (table != null) {
                    table[(int) section] = count;
                }
                int end = Math.min(n, i + SECTION_BYTES);
                long firstBit = (pos + i) * 8;
                count += popcount(buf, i, end, Math.max(0, Math.min((long) (end - i) * 8, size - firstBit)));
            }
            pos += n;
        }
        if (table != null) {
            table[(int) sections] = count;
        }
        return new PageBitmap(source, offset, byteLength, size, table, count);
    }

    /** Counts set bits in {@code b[from..to)}, only the first {@code bits} of them. */
    private static long popcount(byte[] b, int from, int to, long bits) {
        long count = 0;
        int i = from;
        long left = bits;
        while (i + 8 <= to && left >= 64) {
            count += Long.bitCount((long) LONG_LE.get(b, i));
            i += 8;
            left -= 64;
        }
        while (i < to && left > 0) {
            int v = b[i] & 0xff;
            if (left < 8) {
                v &= (1 << left) - 1;
            }
            count += Integer.bitCount(v);
            i++;
            left -= 8;
        }
        return count;
    }

    /** {@return number of frames the bitmap covers (the dump's {@code max_mapnr})} */
    public long size() {
        return size;
    }

    /** {@return file offset of the bitmap's first byte, for copying it verbatim} */
    public long fileOffset() {
        return offset;
    }

    /** {@return bytes reserved for the bitmap in the file (whole blocks)} */
    public long byteLength() {
        return byteLength;
    }

    /** {@return number of set bits below {@link #size()}} */
    public long cardinality() {
        return cardinality;
    }

    /**
     * Whether frame {@code pfn} is set; false outside {@code [0, size())}.
     *
     * @param pfn a page frame number
     * @return whether frame {@code pfn} is set; false outside {@code [0, size())}
     * @throws IOException if reading or writing fails
     */
    public boolean get(long pfn) throws IOException {
        if (pfn < 0 || pfn >= size) {
            return false;
        }
        return (source.readByte(offset + (pfn >>> 3)) & (1 << (pfn & 7))) != 0;
    }

    /**
     * Number of set bits below {@code pfn} (clamped to {@code [0, size()]}): the index of frame
     * {@code pfn}'s page descriptor. Only for bitmaps read with ranks.
     *
     * @param pfn a page frame number
     * @return number of set bits below {@code pfn} (clamped to {@code [0, size()]}): the index of
     *         frame {@code pfn}'s page descriptor
     * @throws IOException if reading or writing fails
     */
    public long rank(long pfn) throws IOException {
        if (rankTable == null) {
            throw new IllegalStateException("bitmap has no rank table");
        }
        if (pfn <= 0) {
            return 0;
        }
        if (pfn >= size) {
            return cardinality;
        }
        int section = (int) (pfn / SECTION_BITS);
        long count = rankTable[section];
        int bitsIn = (int) (pfn % SECTION_BITS);
        if (bitsIn == 0) {
            return count;
        }
        int bytes = (bitsIn + 7) >>> 3;
        byte[] scratch = SCRATCH.get();
        source.read(offset + (long) section * SECTION_BYTES, scratch, 0, bytes);
        return count + popcount(scratch, 0, bytes, bitsIn);
    }

    /**
     * The first set frame at or after {@code from}, or -1 if there is none below {@link #size()}.
     *
     * @param from the first frame to look at
     * @return the first set frame at or after {@code from}, or -1 if there is none below {@link #size()}
     * @throws IOException if reading or writing fails
     */
    public long nextSetBit(long from) throws IOException {
        return next(from, true);
    }

    /**
     * The first clear frame at or after {@code from}, or {@link #size()} if all are set up to the end.
     *
     * @param from the first frame to look at
     * @return the first clear frame at or after {@code from}, or {@link #size()} if all are set up to the end
     * @throws IOException if reading or writing fails
     */
    public long nextClearBit(long from) throws IOException {
        long r = next(from, false);
        return r < 0 ? size : r;
    }

    private long next(long from, boolean set) throws IOException {
        long pfn = Math.max(0, from);
        byte[] scratch = SCRATCH.get();
        while (pfn < size) {
            // skip whole all-clear (or all-set) sections quickly through the rank table
            if (rankTable != null && pfn % SECTION_BITS == 0) {
                int section = (int) (pfn / SECTION_BITS);
                long inSection = rankTable[section + 1] - rankTable[section];
                long sectionBits = Math.min(SECTION_BITS, size - pfn);
                if (set ? inSection == 0 : inSection == sectionBits) {
                    pfn += sectionBits;
                    continue;
                }
            }
            long byteIndex = pfn >>> 3;
            int n = (int) Math.min(SECTION_BYTES - (byteIndex % SECTION_BYTES), (size + 7) / 8 - byteIndex);
            source.read(offset + byteIndex, scratch, 0, n);
            for (int i = 0; i < n; i++) {
                int v = scratch[i] & 0xff;
                if (!set) {
                    v = ~v & 0xff;
                }
                if (i == 0) {
                    v &= 0xff << (pfn & 7);
                }
                if (v != 0) {
                    long hit = ((byteIndex + i) << 3) + Integer.numberOfTrailingZeros(v);
                    return hit < size ? hit : -1;
                }
            }
            pfn = (byteIndex + n) << 3;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "PageBitmap(" + size + " frames at " + offset + ", " + cardinality + " set)";
    }
}
