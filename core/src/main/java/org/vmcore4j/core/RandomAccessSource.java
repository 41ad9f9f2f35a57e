package org.vmcore4j.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.vmcore4j.core.internal.MappedFileSource;

/**
 * Absolute-position, read-only access to the bytes of a dump file. Every method takes the position
 * as an argument and keeps no cursor, so one instance may be shared by many threads.
 *
 * <p>Reads past {@link #size()} throw {@link VmcoreFormatException} naming this source: a dump whose
 * headers point beyond its end is a malformed dump, not a programming error. Byte order is an
 * argument of each multi-byte read; a source has no order of its own.
 */
public interface RandomAccessSource extends Closeable {

    /**
     * Opens a file: memory-mapped in windows of at most 1 GiB, or positional reads where mapping fails.
     *
     * @param file the file
     * @return the random access source
     * @throws IOException if reading or writing fails
     */
    static RandomAccessSource open(Path file) throws IOException {
        return MappedFileSource.openOrFallBack(file);
    }

    /** {@return total length in bytes} */
    long size();

    /** {@return what this source reads (a file path, usually); used in error messages} */
    String description();

    /**
     * Copies {@code len} bytes starting at {@code pos} into {@code dst[off..off+len)}.
     *
     * @param pos a position in the source
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @throws IOException if reading or writing fails
     */
    void read(long pos, byte[] dst, int off, int len) throws IOException;

    /**
     * Fills {@code dst} from its position to its limit with bytes starting at {@code pos}; advances dst.
     *
     * @param pos a position in the source
     * @param dst the buffer the bytes go to
     * @throws IOException if reading or writing fails
     */
    default void read(long pos, ByteBuffer dst) throws IOException {
        if (dst.hasArray()) {
            int n = dst.remaining();
            read(pos, dst.array(), dst.arrayOffset() + dst.position(), n);
            dst.position(dst.position() + n);
        } else {
            byte[] tmp = new byte[Math.min(dst.remaining(), 1 << 16)];
            while (dst.hasRemaining()) {
                int n = Math.min(tmp.length, dst.remaining());
                read(pos, tmp, 0, n);
                dst.put(tmp, 0, n);
                pos += n;
            }
        }
    }

    /**
     * Reads {@code len} bytes at {@code pos} into a new array; {@code len} is checked against the source size first.
     *
     * @param pos a position in the source
     * @param len how many bytes
     * @return the value read
     * @throws IOException if reading or writing fails
     */
    default byte[] readBytes(long pos, int len) throws IOException {
        checkRange(pos, len);
        byte[] b = new byte[len];
        read(pos, b, 0, len);
        return b;
    }

    /**
     * Reads the byte at {@code pos}.
     *
     * @param pos a position in the source
     * @return the byte
     * @throws IOException as {@link #read(long, byte[], int, int)} does
     */
    default byte readByte(long pos) throws IOException {
        byte[] b = new byte[1];
        read(pos, b, 0, 1);
        return b[0];
    }

    /**
     * Reads the 2-byte value at {@code pos} in byte order {@code order}.
     *
     * @param pos a position in the source
     * @param order the byte order
     * @return the value
     * @throws IOException as {@link #read(long, byte[], int, int)} does
     */
    default short readShort(long pos, ByteOrder order) throws IOException {
        byte[] b = new byte[2];
        read(pos, b, 0, 2);
        return ByteBuffer.wrap(b).order(order).getShort();
    }

    /**
     * Reads the 4-byte value at {@code pos} in byte order {@code order}.
     *
     * @param pos a position in the source
     * @param order the byte order
     * @return the value
     * @throws IOException as {@link #read(long, byte[], int, int)} does
     */
    default int readInt(long pos, ByteOrder order) throws IOException {
        byte[] b = new byte[4];
        read(pos, b, 0, 4);
        return ByteBuffer.wrap(b).order(order).getInt();
    }

    /**
     * Reads the 8-byte value at {@code pos} in byte order {@code order}.
     *
     * @param pos a position in the source
     * @param order the byte order
     * @return the value
     * @throws IOException as {@link #read(long, byte[], int, int)} does
     */
    default long readLong(long pos, ByteOrder order) throws IOException {
        byte[] b = new byte[8];
        read(pos, b, 0, 8);
        return ByteBuffer.wrap(b).order(order).getLong();
    }

    /**
     * Throws {@link VmcoreFormatException} unless {@code [pos, pos+len)} lies inside this source.
     *
     * @param pos a position in the source
     * @param len how many bytes
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    default void checkRange(long pos, long len) throws VmcoreFormatException {
        if (pos < 0 || len < 0 || pos > size() || len > size() - pos) {
            throw new VmcoreFormatException(description(), pos,
                    "read of " + len + " bytes past the end of the file (size " + size() + ")");
        }
    }
}
