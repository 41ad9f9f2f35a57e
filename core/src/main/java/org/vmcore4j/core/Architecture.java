package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.X86_64AddressSpace;

/**
 * A CPU architecture of a crashed machine: what is needed to decode its dump on any host.
 * Picked from the ELF {@code e_machine} field (and VMCOREINFO where that is ambiguous).
 */
public enum Architecture {
    X86_64("x86_64", 62, 8, ByteOrder.LITTLE_ENDIAN),
    AARCH64("aarch64", 183, 8, ByteOrder.LITTLE_ENDIAN),
    X86("i386", 3, 4, ByteOrder.LITTLE_ENDIAN),
    PPC64("ppc64", 21, 8, ByteOrder.BIG_ENDIAN),
    S390X("s390x", 22, 8, ByteOrder.BIG_ENDIAN),
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

    /** The name {@code uname -m} prints for it. */
    public String displayName() {
        return displayName;
    }

    public int elfMachine() {
        return elfMachine;
    }

    /** Pointer size of the kernel in bytes. */
    public int pointerSize() {
        return pointerSize;
    }

    /** The byte order kernels of this architecture usually run in (the dump's ELF header decides). */
    public ByteOrder usualByteOrder() {
        return usualByteOrder;
    }

    public static Optional<Architecture> fromElfMachine(int machine) {
        for (Architecture a : values()) {
            if (a.elfMachine == machine) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Builds the kernel virtual address space of a dump of this architecture from VMCOREINFO,
     * the dump's physical memory and the mappings its headers state.
     *
     * @throws VmcoreFormatException naming the missing VMCOREINFO keys, or if this architecture's
     *                               translation is not implemented yet
     */
    public KernelAddressSpace kernelAddressSpace(PhysicalMemory memory, VmcoreInfo info,
            List<VirtualMapping> mappings) throws IOException {
        if (this == X86_64) {
            return X86_64AddressSpace.create(memory, info, mappings);
        }
        throw new VmcoreFormatException(info.resource(), -1,
                "kernel address translation for " + displayName + " is not implemented yet");
    }

    @Override
    public String toString() {
        return displayName;
    }
}
