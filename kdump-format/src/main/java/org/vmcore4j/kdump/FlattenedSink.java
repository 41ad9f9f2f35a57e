package org.vmcore4j.kdump;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.OutputLimitException;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * A {@link DumpSink} that writes makedumpfile's flattened format ({@code -F}) to a stream, so a dump
 * can go through a pipe ({@code ... | ssh host 'makedumpfile -R dumpfile'}): the 4096-byte header,
 * then for every positional write a big-endian {offset, size} record and the bytes, and on
 * {@link #finish()} the (-1, -1) end marker (layout per FORMATS.md §2 and makedumpfile's
 * write_buffer/write_end_flat_header). A stream cut short by a failure has no end marker, which
 * tells a rearranger the dump is incomplete.
 *
 * <p>The size limit of {@code -L} counts stream bytes here, as makedumpfile counts them on stdout.
 */
public final class FlattenedSink implements DumpSink {
    private final OutputStream out;
    private final String description;
    private final long limit;
    private final byte[] recordHeader = new byte[FlattenedSource.RECORD_HEADER_SIZE];
    private final byte[] copy = new byte[1 << 16];
    private long streamBytes;
    private long payloadBytes;
    private boolean started;

    /**
     * A sink writing to {@code out} with no size limit.
     *
     * @param out where the output goes
     * @param description what the bytes are, for error messages
     */
    public FlattenedSink(OutputStream out, String description) {
        this(out, description, Long.MAX_VALUE);
    }

    /**
     * A sink that stops with {@link OutputLimitException} where the stream would pass {@code limit} bytes.
     *
     * @param out where the output goes
     * @param description what the bytes are, for error messages
     * @param limit the limit
     */
    public FlattenedSink(OutputStream out, String description, long limit) {
        this.out = Objects.requireNonNull(out);
        this.description = description;
        this.limit = limit;
    }

    private void start() throws IOException {
        if (!started) {
            started = true;
            byte[] header = new byte[FlattenedSource.HEADER_SIZE];
            ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
            b.put(FlattenedSource.SIGNATURE);
            b.putLong(FlattenedSource.TYPE_FLAT_HEADER);
            b.putLong(FlattenedSource.VERSION_FLAT_HEADER);
            emit(header, 0, header.length);
        }
    }

    private void emit(byte[] bytes, int off, int len) throws IOException {
        if (streamBytes + len > limit) {
            int n = (int) Math.max(0, limit - streamBytes);
            out.write(bytes, off, n);
            streamBytes += n;
            throw new OutputLimitException(description, limit);
        }
        out.write(bytes, off, len);
        streamBytes += len;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        start();
        int size = src.remaining();
        if (size == 0) {
            return;
        }
        ByteBuffer.wrap(recordHeader).order(ByteOrder.BIG_ENDIAN).putLong(0, offset).putLong(8, size);
        emit(recordHeader, 0, recordHeader.length);
        if (src.hasArray()) {
            emit(src.array(), src.arrayOffset() + src.position(), size);
            src.position(src.limit());
        } else {
            while (src.hasRemaining()) {
                int n = Math.min(copy.length, src.remaining());
                src.get(copy, 0, n);
                emit(copy, 0, n);
            }
        }
        payloadBytes += size;
    }

    @Override
    public boolean canRewrite() {
        return false;
    }

    @Override
    public long bytesWritten() {
        return payloadBytes;
    }

    /** {@return bytes put on the stream so far, headers included} */
    public long streamBytes() {
        return streamBytes;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void finish() throws IOException {
        start();
        ByteBuffer.wrap(recordHeader).order(ByteOrder.BIG_ENDIAN).putLong(0, -1L).putLong(8, -1L);
        emit(recordHeader, 0, recordHeader.length);
        out.flush();
    }

    /** Flushes and closes the stream. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
