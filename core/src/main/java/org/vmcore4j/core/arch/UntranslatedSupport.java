package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.List;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/**
 * An architecture whose dumps vmcore4j reads (headers, notes, physical memory, registers) but whose kernel addresses it does not translate yet.
 */
final class UntranslatedSupport implements ArchitectureSupport {
    private final Architecture architecture;

    UntranslatedSupport(Architecture architecture) {
        this.architecture = architecture;
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        throw ArchitectureSupport.unsupported(info.resource(), architecture, "kernel address translation");
    }

    @Override
    public long physBase(VmcoreInfo info, List<VirtualMapping> statedMappings) {
        return 0;
    }

    @Override
    public List<VirtualMapping> kernelTextMapping(long physBase) {
        return List.of();
    }

    /** No layout is built in: the kernel half of the address space stands in. */
    @Override
    public long directMapBase(long kernelVersion, List<VirtualMapping> statedMappings, boolean fiveLevel) {
        return ArchitectureSupport.kernelHalf(architecture);
    }

    /** Only x86_64's defaults are built in; these kernels must export the number. */
    @Override
    public long defaultSectionSizeBits(long kernelVersion) {
        return UNKNOWN;
    }

    @Override
    public long defaultMaxPhysmemBits(long kernelVersion, boolean fiveLevel) {
        return UNKNOWN;
    }

}
