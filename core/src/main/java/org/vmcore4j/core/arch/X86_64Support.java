package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/** x86_64: the layout constants makedumpfile 1.7.9 builds in (makedumpfile.h, arch/x86_64.c). */
final class X86_64Support implements ArchitectureSupport {
    /** __START_KERNEL_map: the kernel text mapping; PT_LOADs at or above it are not the direct map. */
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    /** The kernel-text window a kdump header's phys_base implies (the format states no mappings). */
    private static final long KERNEL_TEXT_WINDOW = 1L << 30;
    // direct-map bases of the kernel generations, for dumps whose PT_LOADs do not tell
    private static final long PAGE_OFFSET_ORIG = 0xffff810000000000L;
    private static final long PAGE_OFFSET_2_6_27 = 0xffff880000000000L;
    private static final long PAGE_OFFSET_5LEVEL = 0xff10000000000000L;

    @Override
    public Architecture architecture() {
        return Architecture.X86_64;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        return X86_64AddressSpace.create(memory, info, mappings);
    }

    /** NUMBER(phys_base), else from the PT_LOAD mapping the kernel text (get_phys_base_x86_64). */
    @Override
    public long physBase(VmcoreInfo info, List<VirtualMapping> statedMappings) {
        OptionalLong stated = info == null ? OptionalLong.empty() : info.number("phys_base");
        if (stated.isPresent()) {
            return stated.getAsLong();
        }
        for (VirtualMapping m : statedMappings) {
            if (Long.compareUnsigned(m.virtualAddress(), START_KERNEL_MAP) >= 0) {
                return m.physicalAddress() - (m.virtualAddress() & ~START_KERNEL_MAP);
            }
        }
        return 0;
    }

    @Override
    public List<VirtualMapping> kernelTextMapping(long physBase) {
        return List.of(new VirtualMapping(START_KERNEL_MAP, physBase, KERNEL_TEXT_WINDOW));
    }

    /** The last PT_LOAD below __START_KERNEL_map, else a per-generation constant. */
    @Override
    public long directMapBase(long kernelVersion, List<VirtualMapping> statedMappings, boolean fiveLevel) {
        long pageOffset = 0;
        for (VirtualMapping m : statedMappings) {
            if (m.virtualAddress() != 0 && Long.compareUnsigned(m.virtualAddress(), START_KERNEL_MAP) < 0
                    && m.physicalAddress() != -1) {
                pageOffset = m.virtualAddress() - m.physicalAddress();
            }
        }
        if (pageOffset != 0) {
            return pageOffset;
        }
        if (kernelVersion < ArchitectureSupport.kernelVersion(2, 6, 27)) {
            return PAGE_OFFSET_ORIG;
        }
        return fiveLevel ? PAGE_OFFSET_5LEVEL : PAGE_OFFSET_2_6_27;
    }

    /** get_machdep_info_x86_64: 128 MiB sections. */
    @Override
    public long defaultSectionSizeBits(long kernelVersion) {
        return 27;
    }

    /** get_versiondep_info_x86_64. */
    @Override
    public long defaultMaxPhysmemBits(long kernelVersion, boolean fiveLevel) {
        if (kernelVersion < ArchitectureSupport.kernelVersion(2, 6, 26)) {
            return 40;
        } else if (kernelVersion < ArchitectureSupport.kernelVersion(2, 6, 31)) {
            return 44;
        }
        return fiveLevel ? 52 : 46;
    }

    /**
     * THREAD_SIZE is PAGE_SIZE << 2 on x86_64 (arch/x86/include/asm/page_64_types.h; twice that
     * with KASAN, which distribution kernels do not enable): a task's stack is 16 KiB, 16 KiB aligned.
     */
    @Override
    public Optional<KernelStackLayout> kernelStackLayout() {
        return Optional.of(new KernelStackLayout("rsp", 16384));
    }

    /** RAM below 640 KiB: kexec-tools' BACKUP_SRC_END 0x9ffff (kexec/arch/i386/crashdump-x86.h). */
    @Override
    public long kexecLowMemoryEnd() {
        return 0xa0000;
    }
}
