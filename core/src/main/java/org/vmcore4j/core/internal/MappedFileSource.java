package org.vmcore4j.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.RandomAccessSource;

/**
 * A file mapped read-only as an array of power-of-two windows (the shape of Lucene's
 * {@code ByteBufferIndexInput}): position {@code p} lives in window {@code p >> chunkPower} at
 * {@code p & chunkMask}. Reads inside one window take the fast path; reads that straddle windows are
 * split. Only absolute {@link ByteBuffer} accessors are used, so the windows are never mutated and
 * the source is safe for concurrent readers.
 *
 * <p>On Java 17 a mapping cannot be released safely while another thread may read it, so
 * {@link #close()} only drops the references; the windows are unmapped by the garbage collector.
 */
public final class MappedFileSource implements RandomAccessSource {
    /** Largest window: a {@link ByteBuffer} is int-indexed, and 1 GiB keeps address-space use modest. */
    public static final int MAX_CHUNK_POWER = 30;

    private final String description;
    private final long size;
    private final int chunkPower;
    private final long chunkMask;
    private volatile ByteBuffer[] chunks;
    private final Path path;
    private volatile ChannelSource fallback;

    private MappedFileSource(Path path, long size, int chunkPower, ByteBuffer[] chunks) {
        this.path = path;
        this.description = path.toString();
        this.size = size;
        this.chunkPower = chunkPower;
        this.chunkMask = (1L << chunkPower) - 1;
        this.chunks = chunks;
    }

    /** Maps {@code file} in windows of {@code 2^chunkPower} bytes ({@code 1 <= chunkPower <= 30}). */
    public static MappedFileSource map(Path file, int chunkPower) throws IOException {
        if (chunkPower < 1 || chunkPower > MAX_CHUNK_POWER) {
            throw new IllegalArgumentException("chunkPower must be in [1, 30]: " + chunkPower);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long chunkSize = 1L << chunkPower;
            long count = (size >>> chunkPower) + 1; // one extra, possibly empty, last window keeps the math uniform
            if (count > Integer.MAX_VALUE) {
                throw new IOException("file too large to map with 2^" + chunkPower + "-byte windows: " + file);
            }
            ByteBuffer[] chunks = new ByteBuffer[(int) count];
            for (int i = 0; i < count; i++) {
                long start = (long) i << chunkPower;
                long len = Math.min(chunkSize, size - start);
                MappedByteBuffer m;
                try {
                    m = ch.map(FileChannel.MapMode.READ_ONLY, start, len);
                } catch (IOException | UnsupportedOperationException e) {
                    throw new IOException("cannot map " + file + " at " + start + " (" + len + " bytes): " + e.getMessage(), e);
                }
                chunks[i] = m.order(ByteOrder.LITTLE_ENDIAN);
            }
            return new MappedFileSource(file, size, chunkPower, chunks);
        }
    }

    /**
     * Maps the file with 1 GiB windows; where the file cannot be mapped (a pipe, some /proc files,
     * a size the kernel reports as 0) falls back to positional reads.
     */
    public static RandomAccessSource openOrFallBack(Path file) throws IOException {
        try {
            MappedFileSource m = map(file, MAX_CHUNK_POWER);
            if (m.size() > 0) {
                return m;
            }
        } catch (IOException e) {
            // fall through: positional reads work on everything a FileChannel opens
        }
        return ChannelSource.open(file);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String description() {
        return description;
    }

    private ByteBuffer[] chunks() {
        ByteBuffer[] c = chunks;
        if (c == null) {
            throw new IllegalStateException("source is closed: " + description);
        }
        return c;
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkRange(pos, len);
        ByteBuffer[] c = chunks();
        long p = pos;
        int o = off;
        int l = len;
        try {
            while (l > 0) {
                ByteBuffer chunk = c[(int) (p >>> chunkPower)];
                int in = (int) (p & chunkMask);
                int n = Math.min(l, chunk.limit() - in);
                chunk.get(in, dst, o, n);
                p += n;
                o += n;
                l -= n;
            }
        } catch (InternalError e) {
            fallback(p, e).read(pos, dst, off, len);
        }
    }

    /**
     * A mapped page could not be brought in (SIGBUS: the file shrank under us, or its file system
     * cannot back the page, e.g. a hole of a sparse file on a full tmpfs): the JVM reports it as an
     * InternalError. The same bytes are then read with positional reads, which need no page to be
     * allocated; if the file really shrank, those fail with an ordinary I/O error.
     */
    private ChannelSource fallback(long pos, InternalError e) throws IOException {
        ChannelSource f = fallback;
        if (f == null) {
            synchronized (this) {
                f = fallback;
                if (f == null) {
                    try {
                        f = ChannelSource.open(path);
                    } catch (IOException io) {
                        io.addSuppressed(e);
                        throw new IOException("cannot read " + description + " at offset " + pos + ": the mapped file "
                                + "could not be paged in, and reading it instead failed too", io);
                    }
                    fallback = f;
                }
            }
        }
        return f;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        checkRange(pos, len);
        ByteBuffer[] c = chunks();
        int start = dst.position();
        long p = pos;
        try {
            while (len > 0) {
                ByteBuffer chunk = c[(int) (p >>> chunkPower)];
                int in = (int) (p & chunkMask);
                int n = Math.min(len, chunk.limit() - in);
                dst.put(dst.position(), chunk, in, n);
                dst.position(dst.position() + n);
                p += n;
                len -= n;
            }
        } catch (InternalError e) {
            dst.position(start);
            fallback(p, e).read(pos, dst);
        }
    }

    /**
     * A read-only view of {@code [pos, pos+len)} without copying when the range lies inside one
     * window, else a copy. The view's byte order is little endian.
     */
    public ByteBuffer view(long pos, int len) throws IOException {
        checkRange(pos, len);
        ByteBuffer[] c = chunks();
        int in = (int) (pos & chunkMask);
        ByteBuffer chunk = c[(int) (pos >>> chunkPower)];
        if (in + len <= chunk.limit()) {
            return chunk.slice(in, len).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer copy = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        read(pos, copy);
        return copy.flip();
    }

    @Override
    public byte readByte(long pos) throws IOException {
        checkRange(pos, 1);
        try {
            return chunks()[(int) (pos >>> chunkPower)].get((int) (pos & chunkMask));
        } catch (InternalError e) {
            return fallback(pos, e).readByte(pos);
        }
    }

    @Override
    public short readShort(long pos, ByteOrder order) throws IOException {
        checkRange(pos, 2);
        int in = (int) (pos & chunkMask);
        ByteBuffer chunk = chunks()[(int) (pos >>> chunkPower)];
        short v;
        try {
            v = in + 2 <= chunk.limit() ? chunk.getShort(in) : slowShort(pos);
        } catch (InternalError e) {
            return fallback(pos, e).readShort(pos, order);
        }
        return order == ByteOrder.LITTLE_ENDIAN ? v : Short.reverseBytes(v);
    }

    @Override
    public int readInt(long pos, ByteOrder order) throws IOException {
        checkRange(pos, 4);
        int in = (int) (pos & chunkMask);
        ByteBuffer chunk = chunks()[(int) (pos >>> chunkPower)];
        int v;
        try {
            v = in + 4 <= chunk.limit() ? chunk.getInt(in) : slowInt(pos);
        } catch (InternalError e) {
            return fallback(pos, e).readInt(pos, order);
        }
        return order == ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v);
    }

    @Override
    public long readLong(long pos, ByteOrder order) throws IOException {
        checkRange(pos, 8);
        int in = (int) (pos & chunkMask);
        ByteBuffer chunk = chunks()[(int) (pos >>> chunkPower)];
        long v;
        try {
            v = in + 8 <= chunk.limit() ? chunk.getLong(in) : slowLong(pos);
        } catch (InternalError e) {
            return fallback(pos, e).readLong(pos, order);
        }
        return order == ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }

    private short slowShort(long pos) throws IOException {
        byte[] b = new byte[2];
        read(pos, b, 0, 2);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort();
    }

    private int slowInt(long pos) throws IOException {
        byte[] b = new byte[4];
        read(pos, b, 0, 4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long slowLong(long pos) throws IOException {
        byte[] b = new byte[8];
        read(pos, b, 0, 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Override
    public void close() throws IOException {
        ChannelSource f = fallback;
        if (f != null) {
            f.close();
        }
        chunks = null;
    }

    @Override
    public String toString() {
        return "MappedFileSource(" + description + ", " + size + " bytes, 2^" + chunkPower + " windows)";
    }
}
