package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.UnsupportedDumpException;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/**
 * What vmcore4j knows of one architecture beyond its identity: how to build the kernel's address
 * space, where the kernel's text and direct map sit, and the SPARSEMEM defaults for kernels that do not
 * export them (the NT_PRSTATUS register layout is PrStatusLayout's, beside it). One implementation per architecture, reached
 * through {@link Architecture#support()}; every architecture constant of the project lives behind
 * this interface, in this package.
 *
 * <p>Kernel versions are passed as {@link #kernelVersion(int, int, int)} encodes them, which is
 * makedumpfile's KERNEL_VERSION. Implementations are stateless and thread-safe.
 */
public interface ArchitectureSupport {

    /** The value {@code NUMBER(...)} look-ups use for "not known": no default is built in. */
    long UNKNOWN = Long.MIN_VALUE;

    /**
     * makedumpfile's KERNEL_VERSION(major, minor, release).
     *
     * @param major the major
     * @param minor the minor
     * @param release the release
     * @return makedumpfile's KERNEL_VERSION(major, minor, release)
     */
    static long kernelVersion(int major, int minor, int release) {
        return ((long) major << 24) | ((long) minor << 16) | release;
    }

    /** {@return the architecture this describes} */
    Architecture architecture();

    /**
     * The crashed kernel's virtual address space, from VMCOREINFO, the dump's physical memory and
     * the virtual mappings its headers state.
     *
     * @param memory the physical memory
     * @param info the VMCOREINFO
     * @param mappings the mappings the dump states
     * @return the crashed kernel's virtual address space, from VMCOREINFO, the dump's physical
     *         memory and the virtual mappings its headers state
     * @throws org.vmcore4j.core.VmcoreFormatException naming the VMCOREINFO keys that are missing or wrong
     * @throws UnsupportedDumpException                 where this architecture's translation is
     *                                  not implemented
     */
    KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException;

    /**
     * The physical address the kernel was loaded at beyond its link address (x86_64's
     * {@code phys_base}), as a collector records it in a kdump header: from VMCOREINFO where the
     * kernel exports it, else derived from the mappings stated for the kernel text; 0 where the
     * architecture has no such notion.
     *
     * @param info the VMCOREINFO
     * @param statedMappings the stated mappings
     * @return the physical address the kernel was loaded at beyond its link address (x86_64's
     *         {@code phys_base}), as a collector records it in a kdump header: from VMCOREINFO
     *         where the kernel exports it, else derived from the mappings stated for the kernel
     *         text; 0 where the architecture has no such notion
     */
    long physBase(VmcoreInfo info, List<VirtualMapping> statedMappings);

    /**
     * The kernel-text mapping a kdump-compressed header implies with its {@code phys_base} (the
     * format states no mappings of its own); empty where the architecture has none.
     *
     * @param physBase the kernel image's physical base
     * @return the kernel-text mapping a kdump-compressed header implies with its {@code phys_base}
     *         (the format states no mappings of its own); empty where the architecture has none
     */
    List<VirtualMapping> kernelTextMapping(long physBase);

    /**
     * The lowest kernel virtual address of the direct map (makedumpfile's is_kvaddr boundary), from
     * the mappings stated in the dump's headers, else the kernel generation's default.
     *
     * @param kernelVersion the kernel version
     * @param statedMappings the stated mappings
     * @return the lowest kernel virtual address of the direct map (makedumpfile's is_kvaddr
     *         boundary), from the mappings stated in the dump's headers, else the kernel
     *         generation's default
     * @param fiveLevel whether VMCOREINFO says five-level paging is on
     */
    long directMapBase(long kernelVersion, List<VirtualMapping> statedMappings, boolean fiveLevel);

    /**
     * {@link #directMapBase(long, List, boolean)} where the dump's VMCOREINFO is at hand, for
     * architectures whose layout it states (aarch64's address size in use); {@code info} may be null.
     *
     * @param info the VMCOREINFO
     * @param kernelVersion the kernel version
     * @param statedMappings the stated mappings
     * @param fiveLevel the five level
     * @return {@link #directMapBase(long, List, boolean)} where the dump's VMCOREINFO is at hand,
     *         for architectures whose layout it states (aarch64's address size in use); {@code
     *         info} may be null
     */
    default long directMapBase(VmcoreInfo info, long kernelVersion, List<VirtualMapping> statedMappings,
            boolean fiveLevel) {
        return directMapBase(kernelVersion, statedMappings, fiveLevel);
    }

    /**
     * SPARSEMEM's SECTION_SIZE_BITS for kernels that do not export {@code NUMBER(SECTION_SIZE_BITS)},
     * or {@link #UNKNOWN}.
     *
     * @param kernelVersion the kernel version
     * @return the number
     */
    long defaultSectionSizeBits(long kernelVersion);

    /**
     * MAX_PHYSMEM_BITS for kernels that do not export {@code NUMBER(MAX_PHYSMEM_BITS)}, or
     * {@link #UNKNOWN}.
     *
     * @param kernelVersion the kernel version
     * @param fiveLevel the five level
     * @return MAX_PHYSMEM_BITS for kernels that do not export {@code NUMBER(MAX_PHYSMEM_BITS)}, or {@link #UNKNOWN}
     */
    long defaultMaxPhysmemBits(long kernelVersion, boolean fiveLevel);

    /**
     * {@return where a task's kernel stack lies, so a reader can find it from a saved stack pointer:
     * the {@code pr_reg} register holding the stack pointer and the stack's size and alignment ({@code
     * THREAD_SIZE}, which VMCOREINFO does not state); empty where not known}
     */
    default Optional<KernelStackLayout> kernelStackLayout() {
        return Optional.empty();
    }

    /**
     * @param stackPointerRegister the {@code pr_reg} name of the stack pointer
     * @param threadSize           size of a task's kernel stack, which is aligned to it
     */
    record KernelStackLayout(String stackPointerRegister, int threadSize) {
    }

    /**
     * {@return end of the low physical memory a kdump capture kernel takes as its own on this
     * architecture, so that a capture's elfcorehdr either backs it up (kexec_load: one PT_LOAD read
     * from a copy) or leaves it out (kexec_file_load); 0 where captures have no such range}
     */
    default long kexecLowMemoryEnd() {
        return 0;
    }

    /**
     * The high bits above which an address belongs to the kernel on a machine without a known layout.
     *
     * @param arch the architecture
     * @return the high bits above which an address belongs to the kernel on a machine without a known layout
     */
    static long kernelHalf(Architecture arch) {
        return arch.pointerSize() == 8 ? Long.MIN_VALUE : 0x80000000L;
    }

    /**
     * A statement that this operation is not implemented for {@code arch}.
     *
     * @param resource the file or stream, for the message
     * @param arch the architecture
     * @param what the what
     * @return a statement that this operation is not implemented for {@code arch}
     */
    static UnsupportedDumpException unsupported(String resource, Architecture arch, String what) {
        return new UnsupportedDumpException(resource, UnsupportedDumpException.Kind.ARCHITECTURE,
                what + " is not implemented for " + arch.displayName() + " dumps");
    }
}
