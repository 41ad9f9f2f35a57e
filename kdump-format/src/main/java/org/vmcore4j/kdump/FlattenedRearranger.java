package org.vmcore4j.kdump;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * Rebuilds a regular dump file from a flattened stream, as {@code makedumpfile -R} does: reads the
 * stream once, front to back, and writes each record's payload at its offset in the output. Memory
 * is one fixed copy buffer whatever the dump size, and there is no temporary file, so it works on
 * a pipe ({@code ssh host cat dump.flat | ...}) straight into the destination.
 *
 * <p>Like {@code makedumpfile -R}: the stream's header must carry the signature and type 1 (the
 * version is not checked), records are taken until a header that is not data, which must be the
 * (-1, -1) end marker; bytes after the marker are not read. Regions no record covers are left as
 * holes, which read as zeros in a new file. Library code: never prints; defects are
 * {@link VmcoreFormatException}s naming the stream and the stream offset.
 */
public final class FlattenedRearranger {
    private static final int BUFFER = 1 << 20;

    /** What a rearrangement did. */
    public record Result(long records, long payloadBytes, long outputSize) {
    }

    private FlattenedRearranger() {
    }

    /**
     * Rearranges into a new (or truncated) file at {@code out}.
     *
     * @param in the input stream
     * @param description what the bytes are, for error messages
     * @param out where the output goes
     * @return the result
     * @throws IOException if reading or writing fails
     */
    public static Result rearrange(InputStream in, String description, Path out) throws IOException {
        try (FileChannel ch = org.vmcore4j.core.DumpSink.createPrivate(out)) {
            return rearrange(in, description, ch);
        }
    }

    /**
     * Rearranges the flattened stream {@code in} into {@code out}, which must be empty (gaps are left
     * unwritten and must read as zeros). Writes at absolute positions; does not close either side.
     *
     * @param in the input stream
     * @param out where the output goes
     * @return the result
     * @param description names the stream in error messages
     * @throws IOException if reading or writing fails
     */
    public static Result rearrange(InputStream in, String description, FileChannel out) throws IOException {
        if (out.size() != 0) {
            throw new IllegalArgumentException("the output must be empty: unwritten gaps have to read as zeros");
        }
        byte[] buf = new byte[BUFFER];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
        long streamPos = 0;
        readFully(in, buf, FlattenedSource.HEADER_SIZE, description, streamPos, "the flattened header");
        if (!Arrays.equals(buf, 0, FlattenedSource.SIGNATURE.length, FlattenedSource.SIGNATURE, 0,
                FlattenedSource.SIGNATURE.length)) {
            throw new VmcoreFormatException(description, 0, "not a flattened dump (no 'makedumpfile' signature)");
        }
        long type = view.getLong(FlattenedSource.SIGNATURE.length);
        if (type != FlattenedSource.TYPE_FLAT_HEADER) {
            throw new VmcoreFormatException(description, FlattenedSource.SIGNATURE.length,
                    "flattened header type " + type + " is not " + FlattenedSource.TYPE_FLAT_HEADER);
        }
        streamPos = FlattenedSource.HEADER_SIZE;
        long records = 0;
        long payload = 0;
        long end = 0;
        while (true) {
            readFully(in, buf, FlattenedSource.RECORD_HEADER_SIZE, description, streamPos, "a record header");
            long off = view.getLong(0);
            long size = view.getLong(8);
            if (off == -1 && size == -1) {
                break;
            }
            if (off < 0 || size <= 0 || off > FlattenedSource.MAX_OFFSET || size > FlattenedSource.MAX_OFFSET - off) {
                throw new VmcoreFormatException(description, streamPos, "flattened record with offset " + off
                        + " and size " + size + " is neither data nor the end marker");
            }
            streamPos += FlattenedSource.RECORD_HEADER_SIZE;
            long left = size;
            long at = off;
            while (left > 0) {
                int n = (int) Math.min(left, buf.length);
                readFully(in, buf, n, description, streamPos, "a record of " + size + " bytes");
                bb.clear().limit(n);
                try {
                    while (bb.hasRemaining()) {
                        at += out.write(bb, at);
                    }
                } catch (IOException e) {
                    throw new IOException("cannot write " + n + " bytes at offset " + at + " of the rearranged output of "
                            + description + ": " + e.getMessage(), e);
                }
                streamPos += n;
                left -= n;
            }
            records++;
            payload += size;
            end = Math.max(end, off + size);
        }
        return new Result(records, payload, Math.max(end, out.size()));
    }

    private static void readFully(InputStream in, byte[] buf, int len, String description, long streamPos, String what)
            throws IOException {
        int got = 0;
        while (got < len) {
            int n = in.read(buf, got, len - got);
            if (n < 0) {
                throw new VmcoreFormatException(description, streamPos + got,
                        "flattened stream ends inside " + what + " (before its end marker)", new EOFException());
            }
            got += n;
        }
    }
}
