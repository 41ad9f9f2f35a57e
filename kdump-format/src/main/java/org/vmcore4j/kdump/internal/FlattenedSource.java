package org.vmcore4j.kdump.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.TreeMap;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * A flattened file ({@code makedumpfile -F}) seen as the file {@code makedumpfile -R} would
 * rebuild from it, without rebuilding it: reads at a rearranged offset are served from the record
 * that carries those bytes, gaps read as zeros, and where records overlap the later one wins (a
 * replay writes them in order).
 *
 * <p>Format (makedumpfile {@code print_flat_header}/{@code write_buffer}, always big endian): a
 * 4096-byte header, {@code "makedumpfile"} padded with NULs to 16 bytes, {@code type} = 1 and
 * {@code version} as 8-byte integers; then records of {@code offset}, {@code size} (8 bytes each)
 * and {@code size} payload bytes; then an end marker with offset and size both -1.
 *
 * <p>Opening reads every record header once and keeps three longs per record (records are up to a
 * few hundred KiB, so a 100 GiB stream costs a few MiB). Thread-safe; owns the flattened source.
 */
public final class FlattenedSource implements RandomAccessSource {
    /** Size of the flattened file header. */
    public static final int HEADER_SIZE = 4096;
    /** {@code TYPE_FLAT_HEADER}. */
    public static final long TYPE_FLAT_HEADER = 1;
    /** The version makedumpfile writes. */
    public static final long VERSION_FLAT_HEADER = 1;
    public static final byte[] SIGNATURE = "makedumpfile\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    public static final int RECORD_HEADER_SIZE = 16;
    /** Cap on rearranged offsets: 4 PiB, beyond any dump, so offset arithmetic never overflows. */
    public static final long MAX_OFFSET = 1L << 52;
    /** Cap on records indexed (24 bytes each): a 64 KiB-record stream of 1.5 PiB. */
    public static final int MAX_RECORDS = 1 << 28;

    private final RandomAccessSource flat;
    private final String description;
    // non-overlapping segments sorted by rearranged start
    private final long[] starts;
    private final long[] lengths;
    private final long[] flatOffsets;
    private final long size;
    private final int records;
    private final long storedBytes;

    private FlattenedSource(RandomAccessSource flat, long[] starts, long[] lengths, long[] flatOffsets, long size,
            int records) {
        this.flat = flat;
        this.description = flat.description() + " [flattened]";
        this.starts = starts;
        this.lengths = lengths;
        this.flatOffsets = flatOffsets;
        this.size = size;
        this.records = records;
        long stored = 0;
        for (long l : lengths) {
            stored += l;
        }
        this.storedBytes = stored;
    }

    /** Whether {@code source} starts with a flattened header (signature and type 1). */
    public static boolean isFlattened(RandomAccessSource source) throws IOException {
        if (source.size() < SIGNATURE.length + 8) {
            return false;
        }
        byte[] b = source.readBytes(0, SIGNATURE.length + 8);
        return Arrays.equals(b, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)
                && ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getLong(SIGNATURE.length) == TYPE_FLAT_HEADER;
    }

    /**
     * Indexes the records of the flattened file {@code flat}; on success the returned source owns
     * it. Every record must lie inside the file and the list must end with the (-1, -1) marker.
     */
    public static FlattenedSource open(RandomAccessSource flat) throws IOException {
        String desc = flat.description();
        long fileSize = flat.size();
        if (!isFlattened(flat)) {
            throw new VmcoreFormatException(desc, 0, "not a flattened dump (no 'makedumpfile' signature with type 1)");
        }
        if (fileSize < HEADER_SIZE) {
            throw new VmcoreFormatException(desc, 0, "flattened file of " + fileSize
                    + " bytes is shorter than its " + HEADER_SIZE + "-byte header");
        }
        // every record takes at least 17 bytes of the file, which bounds the index before it grows
        long maxRecords = (fileSize - HEADER_SIZE) / (RECORD_HEADER_SIZE + 1);
        int cap = 1024;
        long[] st = new long[cap];
        long[] len = new long[cap];
        long[] fo = new long[cap];
        int n = 0;
        long pos = HEADER_SIZE;
        byte[] hdr = new byte[RECORD_HEADER_SIZE];
        ByteBuffer hb = ByteBuffer.wrap(hdr).order(ByteOrder.BIG_ENDIAN);
        boolean sorted = true;
        long end = 0;
        while (true) {
            if (fileSize - pos < RECORD_HEADER_SIZE) {
                throw new VmcoreFormatException(desc, pos, "flattened file ends without its end marker");
            }
            flat.read(pos, hdr, 0, RECORD_HEADER_SIZE);
            long off = hb.getLong(0);
            long sz = hb.getLong(8);
            if (off == -1 && sz == -1) {
                break;
            }
            if (off < 0 || sz <= 0) {
                throw new VmcoreFormatException(desc, pos, "flattened record with offset " + off + " and size " + sz
                        + " is neither data nor the end marker");
            }
            long payload = pos + RECORD_HEADER_SIZE;
            if (sz > fileSize - payload) {
                throw new VmcoreFormatException(desc, pos + 8, "flattened record of " + sz + " bytes runs past the end of"
                        + " the file (size " + fileSize + ")");
            }
            if (off > MAX_OFFSET || sz > MAX_OFFSET - off) {
                throw new VmcoreFormatException(desc, pos, "flattened record [" + off + ", +" + sz
                        + ") reaches beyond 4 PiB, larger than any dump");
            }
            if (n == cap) {
                if (n >= MAX_RECORDS) {
                    throw new VmcoreFormatException(desc, pos, "flattened file has more than " + MAX_RECORDS + " records");
                }
                cap = (int) Math.max(n + 1L, Math.min(Math.min(cap * 2L, maxRecords), MAX_RECORDS));
                st = Arrays.copyOf(st, cap);
                len = Arrays.copyOf(len, cap);
                fo = Arrays.copyOf(fo, cap);
            }
            if (n > 0 && off < st[n - 1]) {
                sorted = false;
            }
            st[n] = off;
            len[n] = sz;
            fo[n] = payload;
            n++;
            end = Math.max(end, off + sz);
            pos = payload + sz;
        }
        int[] order = sortedOrder(st, n, sorted);
        // overlaps are rare (makedumpfile rewrites the sub-header when it appends eraseinfo): check, resolve if any
        boolean overlap = false;
        for (int i = 1; i < n; i++) {
            int a = order[i - 1];
            int b = order[i];
            if (st[b] < st[a] + len[a]) {
                overlap = true;
                break;
            }
        }
        if (overlap) {
            return resolveOverlaps(flat, st, len, fo, n, end);
        }
        long[] s2 = new long[n];
        long[] l2 = new long[n];
        long[] f2 = new long[n];
        for (int i = 0; i < n; i++) {
            s2[i] = st[order[i]];
            l2[i] = len[order[i]];
            f2[i] = fo[order[i]];
        }
        return new FlattenedSource(flat, s2, l2, f2, end, n);
    }

    /** Record indices sorted by start (stable), without boxing. */
    private static int[] sortedOrder(long[] st, int n, boolean alreadySorted) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (alreadySorted) {
            return idx;
        }
        int[] tmp = new int[n];
        for (int width = 1; width < n; width *= 2) { // bottom-up merge sort
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    tmp[k++] = st[idx[j]] < st[idx[i]] ? idx[j++] : idx[i++];
                }
                while (i < mid) {
                    tmp[k++] = idx[i++];
                }
                while (j < hi) {
                    tmp[k++] = idx[j++];
                }
                System.arraycopy(tmp, lo, idx, lo, hi - lo);
            }
        }
        return idx;
    }

    /** Replays the records in file order onto a map of disjoint segments: later records win. */
    private static FlattenedSource resolveOverlaps(RandomAccessSource flat, long[] st, long[] len, long[] fo, int n,
            long end) {
        TreeMap<Long, long[]> map = new TreeMap<>(); // start -> {length, flatOffset}
        for (int r = 0; r < n; r++) {
            long s = st[r];
            long e = s + len[r];
            var lower = map.floorEntry(s);
            if (lower != null) {
                long ls = lower.getKey();
                long[] lv = lower.getValue();
                long le = ls + lv[0];
                if (le > s) {
                    lv[0] = s - ls; // keep the head of the earlier record
                    if (lv[0] == 0) {
                        map.remove(ls);
                    }
                    if (le > e) { // and its tail, past the new record
                        map.put(e, new long[] {le - e, lv[1] + (e - ls)});
                    }
                }
            }
            for (var it = map.subMap(s, true, e, false).entrySet().iterator(); it.hasNext();) {
                var ent = it.next();
                long cs = ent.getKey();
                long[] cv = ent.getValue();
                long ce = cs + cv[0];
                it.remove();
                if (ce > e) {
                    map.put(e, new long[] {ce - e, cv[1] + (e - cs)});
                    break;
                }
            }
            map.put(s, new long[] {len[r], fo[r]});
        }
        int m = map.size();
        long[] s2 = new long[m];
        long[] l2 = new long[m];
        long[] f2 = new long[m];
        int i = 0;
        for (var ent : map.entrySet()) {
            s2[i] = ent.getKey();
            l2[i] = ent.getValue()[0];
            f2[i] = ent.getValue()[1];
            i++;
        }
        return new FlattenedSource(flat, s2, l2, f2, end, n);
    }

    /** The flattened file underneath. */
    public RandomAccessSource flattened() {
        return flat;
    }

    /** Number of data records in the stream. */
    public int recordCount() {
        return records;
    }

    /**
     * Bytes the records actually carry (after overlaps are resolved): at most the flattened file's
     * size, however large {@link #size()} claims the rearranged file is. Readers bound what they
     * allocate or scan by this, so a tiny stream with one far-away record cannot make them walk
     * petabytes of gap.
     */
    public long storedBytes() {
        return storedBytes;
    }

    /** Size of the rearranged file: the end of the furthest record. */
    @Override
    public long size() {
        return size;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkRange(pos, len);
        // last segment starting at or before pos
        int lo = 0;
        int hi = starts.length - 1;
        int seg = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= pos) {
                seg = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        while (len > 0) {
            if (seg >= 0 && pos < starts[seg] + lengths[seg]) {
                int n = (int) Math.min(len, starts[seg] + lengths[seg] - pos);
                flat.read(flatOffsets[seg] + (pos - starts[seg]), dst, off, n);
                pos += n;
                off += n;
                len -= n;
            } else {
                // a gap the stream never wrote: zeros, up to the next segment
                long next = seg + 1 < starts.length ? starts[seg + 1] : Long.MAX_VALUE;
                int n = (int) Math.min(len, next - pos);
                Arrays.fill(dst, off, off + n, (byte) 0);
                pos += n;
                off += n;
                len -= n;
            }
            if (len > 0 && seg + 1 < starts.length && pos >= starts[seg + 1]) {
                seg++;
            }
        }
    }

    @Override
    public void close() throws IOException {
        flat.close();
    }

    @Override
    public String toString() {
        return "FlattenedSource(" + description + ", " + records + " records, " + size + " bytes rearranged)";
    }
}
