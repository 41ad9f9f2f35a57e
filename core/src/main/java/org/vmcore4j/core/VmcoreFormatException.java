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
    private final String resource;
    private final long offset;
    private final String reason;

    public VmcoreFormatException(String resource, long offset, String reason) {
        this(resource, offset, reason, null);
    }

    public VmcoreFormatException(String resource, long offset, String reason, Throwable cause) {
        super(reason + " (file=" + resource + ", offset=" + offset + ")", cause);
        this.resource = resource;
        this.offset = offset;
        this.reason = reason;
    }

    /** The file or stream the defect was found in. */
    public String resource() {
        return resource;
    }

    /** Byte offset in {@link #resource()} of the field that is wrong, or -1 where no single offset applies. */
    public long offset() {
        return offset;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }
}
