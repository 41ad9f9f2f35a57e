package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** {@link DumpSink} over a {@link FileChannel}: positional writes in place. */
final class FileDumpSink implements DumpSink {
    private final FileChannel channel;
    private final String description;
    private long written;

    FileDumpSink(FileChannel channel, String description) {
        this.channel = channel;
        this.description = description;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        long position = offset;
        while (src.hasRemaining()) {
            int n = channel.write(src, position);
            position += n;
            written += n;
        }
    }

    @Override
    public boolean canRewrite() {
        return true;
    }

    @Override
    public long bytesWritten() {
        return written;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
