package org.vmcore4j.core;

import java.io.IOException;
import java.util.Objects;

/**
 * A dump that is not damaged but uses something vmcore4j does not handle: a kernel generation
 * whose VMCOREINFO lacks what classification needs, an architecture whose address translation is
 * not implemented, or a format feature (Xen, sadump, a codec) that is not read. Unlike a
 * {@link VmcoreFormatException} the input is not at fault; unlike a {@link MemoryAccessException}
 * no particular address is. The message names the dump and says what is missing.
 */
public class UnsupportedDumpException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What kind of support is missing. */
    public enum Kind {
        /** The kernel (its generation, or what its VMCOREINFO exports) cannot be served. */
        KERNEL,
        /** The architecture of the crashed machine is not handled for the operation asked. */
        ARCHITECTURE,
        /** A feature of the dump's format is not read or written. */
        FORMAT_FEATURE
    }

    /** The file or stream of the dump. */
    private final String resource;
    /** What is not supported. */
    private final Kind kind;

    /**
     * A dump in {@code resource} that vmcore4j does not handle, of {@code kind}, for {@code reason}.
     *
     * @param resource the file or stream, for the message
     * @param kind what is not supported
     * @param reason what is wrong or missing
     */
    public UnsupportedDumpException(String resource, Kind kind, String reason) {
        super(reason + " (file=" + resource + ")");
        this.resource = resource;
        this.kind = Objects.requireNonNull(kind);
    }

    /** {@return the dump the operation was asked of} */
    public String resource() {
        return resource;
    }

    /** {@return what is not supported} */
    public Kind kind() {
        return kind;
    }
}
