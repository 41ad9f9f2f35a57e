package org.vmcore4j.core;

import java.io.IOException;

/** A {@link DumpSink} reached its size limit ({@code -L}); bytes below the limit were written. */
public final class OutputLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long limit;

    public OutputLimitException(String destination, long limit) {
        super("size limit (" + limit + " bytes) reached writing " + destination);
        this.limit = limit;
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }
}
