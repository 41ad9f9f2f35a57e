package org.vmcore4j.core;

/** What a dump knows about one page frame. */
public enum PageStatus {
    /** Not RAM in the crashed machine (a memory hole), or beyond the dump's last frame. */
    NOT_RAM,
    /** RAM whose contents the dump holds. */
    PRESENT,
    /** RAM the dump deliberately left out (filtered by dump level, or beyond an ELF segment's file size). */
    EXCLUDED,
    /** RAM that should have been written but was not: an incomplete dump (disk full, size limit, crash). */
    LOST
}
