package org.vmcore4j.benchmarks;

import java.nio.ByteBuffer;
import org.vmcore4j.core.DumpSink;

/**
 * A {@link DumpSink} that drops every byte, so a benchmark of the collector measures reading,
 * classifying and compressing, not the file system. It keeps the counts a writer's caller can check:
 * bytes written and the end of the furthest write (the size the file would have).
 */
public final class DiscardingSink implements DumpSink {
    private long bytes;
    private long end;
    private int writes;

    @Override
    public void write(long offset, ByteBuffer src) {
        int n = src.remaining();
        src.position(src.limit());
        bytes += n;
        writes++;
        end = Math.max(end, offset + n);
    }

    @Override
    public boolean canRewrite() {
        return true;
    }

    @Override
    public long bytesWritten() {
        return bytes;
    }

    /** One past the last byte of the furthest write: the size of the file a real sink would leave. */
    public long fileSize() {
        return end;
    }

    /** Number of {@link #write} calls. */
    public int writes() {
        return writes;
    }

    @Override
    public String description() {
        return "discarding sink";
    }

    @Override
    public void close() {
    }
}
