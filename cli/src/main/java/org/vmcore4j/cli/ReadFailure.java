package org.vmcore4j.cli;

import org.vmcore4j.core.ReadResult;

/**
 * Why {@code vmcore4j read} could not read a byte, and the exit status that says so. The statuses
 * above 1 are vmcore4j's own (dumpdata exits 1 for any failed read); 1 stays bad usage or a dump
 * that does not open, as for every other command.
 */
enum ReadFailure {
    /** Not RAM, or not in the dump at all (a hole, past the end; not the crashed kernel's memory in a whole-machine image). */
    NOT_PRESENT(2, "not present in the dump"),
    /** Filtered out when the dump was written (makedumpfile -d). */
    EXCLUDED(3, "excluded from the dump"),
    /** Should be in the dump, but the dump is incomplete (truncated, or written with a full disk). */
    LOST(4, "lost (incomplete dump)"),
    /** A kernel virtual address without a translation. */
    NOT_MAPPED(5, "no translation"),
    /** The dump holds the page, but it is damaged or cannot be read (bad compressed data, I/O error). */
    CORRUPT(6, "corrupt or unreadable");

    /** The statuses, for the help text. */
    static final String EXIT_STATUS_TABLE = "2 not present, 3 excluded, 4 lost, 5 not mapped (untranslatable), "
            + "6 corrupt or unreadable.";

    private final int exitStatus;
    private final String description;

    ReadFailure(int exitStatus, String description) {
        this.exitStatus = exitStatus;
        this.description = description;
    }

    int exitStatus() {
        return exitStatus;
    }

    String description() {
        return description;
    }

    /** What a read that stopped with {@code outcome} (not {@link ReadResult.Outcome#COMPLETE}) reports. */
    static ReadFailure of(ReadResult.Outcome outcome) {
        return switch (outcome) {
            case NOT_RAM, CAPTURE_KERNEL_MEMORY -> NOT_PRESENT;
            case EXCLUDED -> EXCLUDED;
            case LOST -> LOST;
            case NOT_MAPPED -> NOT_MAPPED;
            case CORRUPT -> CORRUPT;
            case COMPLETE -> throw new IllegalArgumentException("a complete read did not fail");
        };
    }
}
