package org.vmcore4j.core;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.vmcore4j.core.internal.WindowedFileSource;

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

    /**
     * Opens {@code file} read-only; the input is never opened for writing.
     *
     * @param file the file
     * @return the channel source
     * @throws IOException if the file cannot be opened or its size read
     */
    public static ChannelSource open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return of(ch, file.toString());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Reads an open channel (a file the caller opened, one in a file system provider such as a zip,
     * a file opened with {@code DELETE_ON_CLOSE}); the source owns the channel from now on and
     * closes it with itself. Its size is read once: the dump must not grow or shrink while read.
     *
     * @param channel the open channel, which the dump owns on success
     * @return what was read
     * @param description what the channel reads, named in error messages
     * @throws IOException if the channel's size cannot be read
     */
    public static ChannelSource of(FileChannel channel, String description) throws IOException {
        return new ChannelSource(channel, description, channel.size());
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
