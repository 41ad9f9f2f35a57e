package org.vmcore4j.core.arch;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/**
 * A CPU architecture of a crashed machine: its identity (ELF machine, word size, usual byte order).
 * Picked from the ELF {@code e_machine} field, a kdump header's {@code utsname.machine}, or the size
 * of its NT_PRSTATUS notes; what vmcore4j knows of it beyond that is its {@link #support()}.
 */
public enum Architecture {
    /** x86-64 (AMD64, Intel 64): ELF machine 62. */
    X86_64("x86_64", 62, 8, ByteOrder.LITTLE_ENDIAN),
    /** 64-bit Arm: ELF machine 183. */
    AARCH64("aarch64", 183, 8, ByteOrder.LITTLE_ENDIAN),
    /** 32-bit x86: ELF machine 3 (named, not read). */
    X86("i386", 3, 4, ByteOrder.LITTLE_ENDIAN),
    /** 64-bit PowerPC, big endian: ELF machine 21 (named, not read). */
    PPC64("ppc64", 21, 8, ByteOrder.BIG_ENDIAN),
    /** IBM Z: ELF machine 22 (named, not read). */
    S390X("s390x", 22, 8, ByteOrder.BIG_ENDIAN),
    /** 64-bit RISC-V: ELF machine 243 (named, not read). */
    RISCV64("riscv64", 243, 8, ByteOrder.LITTLE_ENDIAN);

    private final String displayName;
    private final int elfMachine;
    private final int pointerSize;
    private final ByteOrder usualByteOrder;

    Architecture(String displayName, int elfMachine, int pointerSize, ByteOrder usualByteOrder) {
        this.displayName = displayName;
        this.elfMachine = elfMachine;
        this.pointerSize = pointerSize;
        this.usualByteOrder = usualByteOrder;
    }

    /** {@return the name {@code uname -m} prints for it} */
    public String displayName() {
        return displayName;
    }

    /** {@return the ELF {@code e_machine} value of this architecture} */
    public int elfMachine() {
        return elfMachine;
    }

    /** {@return pointer size of the kernel in bytes} */
    public int pointerSize() {
        return pointerSize;
    }

    /**
     * {@return the byte order kernels of this architecture usually run in (the dump's ELF header
     * decides)}
     */
    public ByteOrder usualByteOrder() {
        return usualByteOrder;
    }

    /**
     * The architecture of ELF machine {@code machine}, if vmcore4j knows it.
     *
     * @param machine an ELF {@code e_machine} value
     * @return the architecture of ELF machine {@code machine}, if vmcore4j knows it
     */
    public static Optional<Architecture> fromElfMachine(int machine) {
        for (Architecture a : values()) {
            if (a.elfMachine == machine) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * The name a kernel's {@code utsname.machine} gives it ({@code uname -m}), if it is one of these.
     *
     * @param machine an ELF {@code e_machine} value
     * @return the name a kernel's {@code utsname.machine} gives it ({@code uname -m}), if it is one of these
     */
    public static Optional<Architecture> fromUtsMachine(String machine) {
        return switch (machine) {
            case "x86_64" -> Optional.of(X86_64);
            case "aarch64", "arm64" -> Optional.of(AARCH64);
            case "i386", "i486", "i586", "i686" -> Optional.of(X86);
            case "ppc64", "ppc64le" -> Optional.of(PPC64);
            case "s390x" -> Optional.of(S390X);
            case "riscv64" -> Optional.of(RISCV64);
            default -> Optional.empty();
        };
    }

    /**
     * The architecture whose {@code struct elf_prstatus} has {@code size} bytes in a dump of byte
     * order {@code order}, for dumps that name no machine (a kdump file written without VMCOREINFO).
     *
     * @param size a size in bytes
     * @param order the byte order
     * @return the architecture whose {@code struct elf_prstatus} has {@code size} bytes in a dump
     *         of byte order {@code order}, for dumps that name no machine (a kdump file written
     *         without VMCOREINFO)
     */
    public static Optional<Architecture> fromPrStatusSize(int size, ByteOrder order) {
        boolean le = order == ByteOrder.LITTLE_ENDIAN;
        return switch (size) {
            case 336 -> Optional.of(le ? X86_64 : S390X);
            case 392 -> le ? Optional.of(AARCH64) : Optional.empty();
            case 144 -> le ? Optional.of(X86) : Optional.empty();
            case 504 -> Optional.of(PPC64);
            default -> Optional.empty();
        };
    }

    /** {@return what vmcore4j knows of this architecture: address translation, layout defaults, registers} */
    public ArchitectureSupport support() {
        return Supports.of(this);
    }

    /**
     * Builds the kernel virtual address space of a dump of this architecture from VMCOREINFO,
     * the dump's physical memory and the mappings its headers state ({@link ArchitectureSupport#kernelAddressSpace}).
     *
     * @param memory the physical memory
     * @param info the VMCOREINFO
     * @param mappings the mappings the dump states
     * @return the kernel address space
     * @throws IOException if reading or writing fails
     */
    public KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info,
            List<VirtualMapping> mappings) throws IOException {
        return support().kernelAddressSpace(memory, info, mappings);
    }

    @Override
    public String toString() {
        return displayName;
    }
}
