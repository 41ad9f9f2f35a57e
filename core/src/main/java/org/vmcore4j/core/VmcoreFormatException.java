package org.vmcore4j.core;

import java.io.IOException;

/**
 * A dump file is malformed: a header, count, offset or size read from it is out of range or
 * inconsistent. The message always names the file, the byte offset of the offending field and the
 * reason, in the fixed shape {@code "<reason> (file=<resource>, offset=<offset>)"}.
 *
 * <p>Readers throw this instead of any runtime exception for every defect of the input, so callers
 * can tell a damaged dump from a bug.
 */
public class VmcoreFormatException extends IOException {
    /** The file or stream the defect was found in. */
    private final String resource;
    /** Byte offset of the defect, or -1. */
    private final long offset;
    /** What is wrong. */
    private final String reason;

    /**
     * A defect of {@code resource} at byte {@code offset} (-1 where no single offset applies).
     *
     * @param resource the file or stream, for the message
     * @param offset a byte offset
     * @param reason what is wrong or missing
     */
    public VmcoreFormatException(String resource, long offset, String reason) {
        this(resource, offset, reason, null);
    }

    /**
     * As {@link #VmcoreFormatException(String, long, String)}, caused by {@code cause}.
     *
     * @param resource the file or stream, for the message
     * @param offset a byte offset
     * @param reason what is wrong or missing
     * @param cause what found it
     */
    public VmcoreFormatException(String resource, long offset, String reason, Throwable cause) {
        super(reason + " (file=" + resource + ", offset=" + offset + ")", cause);
        this.resource = resource;
        this.offset = offset;
        this.reason = reason;
    }

    /** {@return the file or stream the defect was found in} */
    public String resource() {
        return resource;
    }

    /**
     * {@return byte offset in {@link #resource()} of the field that is wrong, or -1 where no single
     * offset applies}
     */
    public long offset() {
        return offset;
    }

    /** {@return what is wrong, without the location} */
    public String reason() {
        return reason;
    }
}
