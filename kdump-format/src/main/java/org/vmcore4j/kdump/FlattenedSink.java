package org.vmcore4j.kdump;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
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
 *
 * <p>Over a channel (standard output's file channel, say) a record's header and bytes go out in one
 * gathering write, straight from the caller's buffer: a writer's direct buffer is then never copied
 * in user space. Over a stream each record is copied into the stream's own buffers.
 */
public final class FlattenedSink implements DumpSink {
    private final OutputStream out;
    private final WritableByteChannel channel;
    private final ByteBuffer[] record = new ByteBuffer[2];
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
        this.channel = null;
        this.description = description;
        this.limit = limit;
    }

    /**
     * A sink writing to {@code channel}, which stops with {@link OutputLimitException} where the
     * stream would pass {@code limit} bytes ({@code Long.MAX_VALUE}: no limit). {@link #close()}
     * closes the channel.
     *
     * @param channel where the output goes
     * @param description what the bytes are, for error messages
     * @param limit the limit
     */
    public FlattenedSink(WritableByteChannel channel, String description, long limit) {
        this.out = null;
        this.channel = Objects.requireNonNull(channel);
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
        if (channel != null) {
            emit(ByteBuffer.wrap(bytes, off, len));
            return;
        }
        if (streamBytes + len > limit) {
            int n = (int) Math.max(0, limit - streamBytes);
            out.write(bytes, off, n);
            streamBytes += n;
            throw new OutputLimitException(description, limit);
        }
        out.write(bytes, off, len);
        streamBytes += len;
    }

    /** Channel only: all of {@code b}, or up to the limit and then {@link OutputLimitException}. */
    private void emit(ByteBuffer b) throws IOException {
        int len = b.remaining();
        if (streamBytes + len > limit) {
            int n = (int) Math.max(0, limit - streamBytes);
            ByteBuffer part = b.slice().limit(n);
            while (part.hasRemaining()) {
                channel.write(part);
            }
            streamBytes += n;
            throw new OutputLimitException(description, limit);
        }
        while (b.hasRemaining()) {
            channel.write(b);
        }
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
        if (channel instanceof GatheringByteChannel gathering && streamBytes + recordHeader.length + size <= limit) {
            record[0] = ByteBuffer.wrap(recordHeader);
            record[1] = src;
            long want = recordHeader.length + (long) size;
            for (long n = 0; n < want; ) {
                n += gathering.write(record);
            }
            record[1] = null; // keep no reference to the caller's buffer
            streamBytes += want;
        } else if (channel != null) {
            emit(ByteBuffer.wrap(recordHeader));
            emit(src);
        } else {
            emitToStream(src, size);
        }
        payloadBytes += size;
    }

    private void emitToStream(ByteBuffer src, int size) throws IOException {
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
        if (out != null) {
            out.flush();
        }
    }

    /** Flushes and closes the stream, or closes the channel. */
    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        } else {
            channel.close();
        }
    }
}
