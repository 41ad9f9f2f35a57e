package org.vmcore4j.filter;

/**
 * What a scan does about pages filled with zeros when the dump level has bit 1.
 *
 * <p>makedumpfile treats them differently per output format (FORMATS.md §1.6, §3): kdump-compressed
 * output keeps them in the dumpable (2nd) bitmap and points them at one shared zero page, detected
 * while copying; ELF output must know its segments before writing, so it removes them from the
 * dumpable bitmap in an extra pass. Without level bit 1 no page is tested and this setting is moot.
 */
public enum ZeroPageHandling {
    /**
     * The scan does not read page contents: zero pages stay dumpable and are not counted. For a kdump
     * writer that tests pages while copying them (one read per page, as makedumpfile does); it reports
     * its count through {@link FilterReport#withZeroPages(long)}.
     */
    LEAVE_TO_WRITER,
    /**
     * kdump-compressed semantics decided by the scan: zero pages stay dumpable, are flagged in
     * {@link FilterCycle#zero()} and counted. Costs one read of every dumpable page.
     */
    KDUMP_SHARED_DESCRIPTOR,
    /**
     * ELF semantics: zero pages whose first byte lies in a segment are removed from the dumpable
     * bitmap and counted, as makedumpfile's exclude_zero_pages_cyclic does. Costs one read of every
     * dumpable page.
     */
    ELF_REMOVE
}
