package org.vmcore4j.core;

import java.io.IOException;
import java.util.Locale;

/**
 * A read asked for memory the dump cannot give. Distinct from {@link VmcoreFormatException}: the
 * dump may be perfectly sound and simply not hold (or not map) that address.
 */
public class MemoryAccessException extends IOException {
    /** Why the bytes are not available. */
    public enum Reason {
        /** The physical address is not RAM in the dump (hole, or past the end). */
        NOT_RAM,
        /** The page was filtered out when the dump was written. */
        EXCLUDED,
        /** The page belongs to an incomplete dump and was never written. */
        LOST,
        /** A virtual address has no translation (page table entry not present or unreadable). */
        NOT_MAPPED,
        /**
         * A whole-machine image holds the address, but it is not the crashed kernel's memory: the crash
         * kernel's reservation (kexec's backup copy included) or memory the capture kernel was given.
         */
        CAPTURE_KERNEL_MEMORY
    }

    /** Why the bytes are not available. */
    private final Reason reason;
    /** The address that could not be read. */
    private final long address;

    /**
     * An access that failed for {@code reason} at {@code address}.
     *
     * @param reason what is wrong or missing
     * @param address the address to read, in {@code space}
     * @param message the detail message
     */
    public MemoryAccessException(Reason reason, long address, String message) {
        super(message);
        this.reason = reason;
        this.address = address;
    }

    /** {@return the reason}. Why the bytes are not available. */
    public Reason reason() {
        return reason;
    }

    /** {@return the address (physical, or virtual for {@link Reason#NOT_MAPPED}) that could not be read} */
    public long address() {
        return address;
    }

    static MemoryAccessException forStatus(PageStatus status, long paddr, String resource) {
        Reason r = switch (status) {
            case EXCLUDED -> Reason.EXCLUDED;
            case LOST -> Reason.LOST;
            default -> Reason.NOT_RAM;
        };
        String what = switch (r) {
            case EXCLUDED -> "was excluded from the dump";
            case LOST -> "was lost (incomplete dump)";
            default -> "is not RAM in the dump";
        };
        return new MemoryAccessException(r, paddr, String.format(Locale.ROOT, "physical address 0x%x %s (%s)", paddr, what, resource));
    }
}
