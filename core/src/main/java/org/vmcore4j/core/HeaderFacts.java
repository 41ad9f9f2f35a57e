package org.vmcore4j.core;

import java.util.Objects;

/**
 * What a dump's own header states about the crashed kernel, for formats that have such a header
 * (a kdump-compressed file): its utsname, the crash time in seconds since the epoch, and x86_64's
 * {@code phys_base} (0 elsewhere).
 */
public record HeaderFacts(Utsname utsname, long crashTimeSeconds, long physBase) {
    /**
     * Checks the components.
     *
     * @param utsname the utsname
     * @param crashTimeSeconds the crash time seconds
     * @param physBase the kernel image's physical base
     */
    public HeaderFacts {
        Objects.requireNonNull(utsname, "utsname");
    }
}
