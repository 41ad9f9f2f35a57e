package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@link DumpSink} that hands everything to another one; subclasses override what they change
 * (a size limit, fault injection in tests).
 */
public abstract class ForwardingDumpSink implements DumpSink {
    /** The sink written to. */
    protected final DumpSink target;

    /**
     * A sink that passes every call to {@code target}.
     *
     * @param target the target
     */
    protected ForwardingDumpSink(DumpSink target) {
        this.target = target;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        target.write(offset, src);
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
