package org.vmcore4j.core;

import java.io.IOException;

/** A {@link DumpSink} reached its size limit ({@code -L}); bytes below the limit were written. */
public final class OutputLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The limit in bytes. */
    private final long limit;

    /**
     * A write to {@code destination} that would pass {@code limit} bytes.
     *
     * @param destination the destination
     * @param limit the limit
     */
    public OutputLimitException(String destination, long limit) {
        super("size limit (" + limit + " bytes) reached writing " + destination);
        this.limit = limit;
    }

    /** {@return the limit in bytes} */
    public long limit() {
        return limit;
    }
}
