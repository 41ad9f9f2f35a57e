package org.vmcore4j.collector;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.vmcore4j.core.DumpSink;

/** A dump written into memory, for properties that convert thousands of small dumps. */
final class ByteArrayDumpSink implements DumpSink {
    private byte[] bytes = new byte[1 << 16];
    private long size;
    private long written;

    @Override
    public void write(long offset, ByteBuffer src) {
        int n = src.remaining();
        long end = offset + n;
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.max(end, 2L * bytes.length));
        }
        src.get(bytes, (int) offset, n);
        size = Math.max(size, end);
        written += n;
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
        return "memory";
    }

    @Override
    public void close() {
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, (int) size);
    }
}
