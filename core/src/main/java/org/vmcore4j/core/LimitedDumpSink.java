package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link DumpSink} that refuses bytes at or past a size limit, as makedumpfile's {@code -L} does. */
final class LimitedDumpSink implements DumpSink {
    private final DumpSink target;
    private final long limit;

    LimitedDumpSink(DumpSink target, long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative size limit " + limit);
        }
        this.target = target;
        this.limit = limit;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        if (end <= limit) {
            target.write(offset, src);
            return;
        }
        if (offset < limit) {
            ByteBuffer head = src.slice().limit((int) (limit - offset));
            target.write(offset, head);
            src.position(src.position() + head.position());
        }
        throw new OutputLimitException(target.description(), limit);
    }

    @Override
    public boolean canRewrite() {
        return target.canRewrite();
    }

    @Override
    public long bytesWritten() {
        return target.bytesWritten();
    }

    @Override
    public String description() {
        return target.description();
    }

    @Override
    public void finish() throws IOException {
        target.finish();
    }

    @Override
    public void close() throws IOException {
        target.close();
    }
}
