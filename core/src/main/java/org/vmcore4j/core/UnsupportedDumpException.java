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

    private final String resource;
    private final Kind kind;

    public UnsupportedDumpException(String resource, Kind kind, String reason) {
        super(reason + " (file=" + resource + ")");
        this.resource = resource;
        this.kind = Objects.requireNonNull(kind);
    }

    /** The dump the operation was asked of. */
    public String resource() {
        return resource;
    }

    public Kind kind() {
        return kind;
    }
}
