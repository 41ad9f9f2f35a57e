package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link DumpSink} that refuses bytes at or past a size limit, as makedumpfile's {@code -L} does. */
final class LimitedDumpSink extends ForwardingDumpSink {
    private final long limit;

    LimitedDumpSink(DumpSink target, long limit) {
        super(target);
        if (limit < 0) {
            throw new IllegalArgumentException("negative size limit " + limit);
        }
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
}
