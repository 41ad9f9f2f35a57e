package org.vmcore4j.core;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Positional reads ({@code pread}) on a {@link FileChannel}: for files that cannot be mapped.
 * {@link FileChannel#read(ByteBuffer, long)} keeps no shared cursor, so this is safe for
 * concurrent readers.
 */
public final class ChannelSource implements RandomAccessSource {
    private final FileChannel channel;
    private final String description;
    private final long size;

    private ChannelSource(FileChannel channel, String description, long size) {
        this.channel = channel;
        this.description = description;
        this.size = size;
    }

    /** Opens {@code file} read-only; the input is never opened for writing. */
    public static ChannelSource open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new ChannelSource(ch, file.toString(), ch.size());
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The channel read, for a source in this package that also maps it ({@link WindowedFileSource}). */
    FileChannel channel() {
        return channel;
    }

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
        read(pos, ByteBuffer.wrap(dst, off, len));
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new EOFException("read past EOF: " + description + " at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "ChannelSource(" + description + ", " + size + " bytes)";
    }
}
