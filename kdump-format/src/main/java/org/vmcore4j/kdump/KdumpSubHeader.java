package org.vmcore4j.kdump;

/**
 * A kdump-compressed file's {@code kdump_sub_header} (block 1), decoded. Fields the file's header
 * version does not have are 0: {@code dump_level} since v1; {@code split}, {@code start_pfn},
 * {@code end_pfn} v2; VMCOREINFO v3; notes v4; eraseinfo v5; the 64-bit PFN fields v6. Unsigned
 * 32-bit fields of 32-bit layouts are zero-extended.
 *
 * @param physBase   x86_64 {@code phys_base} (arm64: {@code PHYS_OFFSET}): where the kernel image was loaded
 * @param dumpLevel  the {@code -d} level the writer applied (after retries)
 * @param split      non-zero in each file of a {@code --split} set
 * @param startPfn   first PFN this split file holds, truncated to the writer's {@code long}
 * @param endPfn     one past its last PFN, likewise
 */
public record KdumpSubHeader(
        long physBase,
        int dumpLevel,
        int split,
        long startPfn,
        long endPfn,
        long offsetVmcoreinfo,
        long sizeVmcoreinfo,
        long offsetNote,
        long sizeNote,
        long offsetEraseinfo,
        long sizeEraseinfo,
        long startPfn64,
        long endPfn64,
        long maxMapnr64) {

    /** The sub-header of a version-0 file, which has none. */
    static final KdumpSubHeader NONE = new KdumpSubHeader(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
