package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/**
 * aarch64 Linux: translation by {@link Aarch64AddressSpace}, and the values makedumpfile's
 * arch/arm64.c builds in (read at upstream b7587f1, the first revision that filters a 6.12 arm64
 * dump): phys_base is {@code NUMBER(PHYS_OFFSET)}, KVBASE the start of the linear map, 1 GiB
 * sections and 48 physical address bits for kernels that export neither number.
 */
final class Aarch64Support implements ArchitectureSupport {
    /** {@code struct user_pt_regs}: x0..x30 (x30 is the link register), sp, pc, pstate; libkdumpfile's names. */
    /** The lowest kernel address any aarch64 kernel uses: the linear map of a 52-bit kernel. */
    private static final long LOWEST_KERNEL_ADDRESS = -(1L << 52);

    @Override
    public Architecture architecture() {
        return Architecture.AARCH64;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        return Aarch64AddressSpace.create(memory, info, mappings);
    }

    /**
     * {@code NUMBER(PHYS_OFFSET)} (what makedumpfile records as phys_base), else from the first
     * stated mapping of the linear map (get_phys_base_arm64), else 0.
     */
    @Override
    public long physBase(VmcoreInfo info, List<VirtualMapping> statedMappings) {
        OptionalLong stated = info == null ? OptionalLong.empty() : info.number("PHYS_OFFSET");
        if (stated.isPresent()) {
            return stated.getAsLong();
        }
        long pageOffset = directMapBase(info, 0, statedMappings, false);
        for (VirtualMapping m : statedMappings) {
            if (m.virtualAddress() != 0 && Long.compareUnsigned(m.virtualAddress(), pageOffset) >= 0
                    && m.physicalAddress() != -1) {
                return m.physicalAddress() - (m.virtualAddress() & ~pageOffset);
            }
        }
        return 0;
    }

    /** The kdump format states no mapping, and aarch64 needs none: its tables are walked. */
    @Override
    public List<VirtualMapping> kernelTextMapping(long physBase) {
        return List.of();
    }

    /** Without VMCOREINFO: the lowest linear-map base of any kernel (that of 52-bit addresses). */
    @Override
    public long directMapBase(long kernelVersion, List<VirtualMapping> statedMappings, boolean fiveLevel) {
        return LOWEST_KERNEL_ADDRESS;
    }

    /**
     * PAGE_OFFSET of the flipped layout (Linux 5.4+), {@code -(1 << vabits_actual)}, with the address
     * size in use from {@code NUMBER(TCR_EL1_T1SZ)}, else {@code NUMBER(VA_BITS)}: makedumpfile's KVBASE.
     */
    @Override
    public long directMapBase(VmcoreInfo info, long kernelVersion, List<VirtualMapping> statedMappings,
            boolean fiveLevel) {
        if (info != null) {
            OptionalLong t1sz = info.number("TCR_EL1_T1SZ");
            OptionalLong vaBits = t1sz.isPresent() ? OptionalLong.of(64 - t1sz.getAsLong()) : info.number("VA_BITS");
            if (vaBits.isPresent() && vaBits.getAsLong() >= 32 && vaBits.getAsLong() <= 52) {
                return -(1L << vaBits.getAsLong());
            }
        }
        return LOWEST_KERNEL_ADDRESS;
    }

    /** makedumpfile's SECTIONS_SIZE_BITS for arm64 (kernels since 5.13 export the number). */
    @Override
    public long defaultSectionSizeBits(long kernelVersion) {
        return 30;
    }

    /** makedumpfile's guess for kernels that do not export the number (52 only when VA_BITS is). */
    @Override
    public long defaultMaxPhysmemBits(long kernelVersion, boolean fiveLevel) {
        return 48;
    }
}
