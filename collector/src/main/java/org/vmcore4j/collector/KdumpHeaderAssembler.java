package org.vmcore4j.collector;

import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.HeaderLayout;
import org.vmcore4j.kdump.KdumpOutputHeader;
import org.vmcore4j.kdump.PfnRange;
import org.vmcore4j.kdump.codec.Compression;

/**
 * The kdump header of each file a run writes: what the dump says about the crashed kernel
 * ({@link CrashedKernel}), the layout its word size asks for, and the run's own fields (codec,
 * dump level, max_mapnr). The files of a split set differ only in their PFN range.
 */
final class KdumpHeaderAssembler {
    private final Vmcore dump;
    private final CrashedKernel kernel;
    private final HeaderLayout layout;
    private final Compression compression;
    private final boolean excludedVmemmap;
    private final long maxMapnr;
    private final int dumpLevel;

    /**
     * @param excludedVmemmap whether -e left out unused vmemmap pages: makedumpfile sets
     *                        DUMP_DH_EXCLUDED_VMEMMAP when -e could be done (it drops -e where it cannot)
     */
    KdumpHeaderAssembler(Vmcore dump, CrashedKernel kernel, Compression compression, boolean excludedVmemmap,
            long maxMapnr, int dumpLevel) {
        this.dump = dump;
        this.kernel = kernel;
        this.layout = layoutFor(dump);
        this.compression = compression;
        this.excludedVmemmap = excludedVmemmap;
        this.maxMapnr = maxMapnr;
        this.dumpLevel = dumpLevel;
    }

    /** The header of one file; {@code range} null for a file that is not part of a split set. */
    KdumpOutputHeader header(PfnRange range) {
        return new KdumpOutputHeader(layout, dump.byteOrder(), dump.physicalMemory().pageSize(), kernel.utsname(),
                kernel.crashTimeSeconds(), 0, compression, excludedVmemmap, maxMapnr, kernel.cpuCount(),
                kernel.physBase(), dumpLevel, range, kernel.noteSection(), kernel.vmcoreinfoOffset(),
                kernel.vmcoreinfoSize());
    }

    static HeaderLayout layoutFor(Vmcore dump) {
        // 32-bit kernels: makedumpfile on i386 packs 64-bit members to 4 bytes; ARM EABI pads them
        return switch (dump.architecture().pointerSize()) {
            case 8 -> HeaderLayout.LP64;
            default -> dump.architecture().elfMachine() == 40 ? HeaderLayout.ILP32_PAD : HeaderLayout.ILP32_PACK;
        };
    }
}
