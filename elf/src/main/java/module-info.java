/**
 * ELF crash dumps (/proc/vmcore, {@code makedumpfile -E}, QEMU and virsh memory dumps), ELF32 and
 * ELF64 in either byte order: the reader, found by {@link org.vmcore4j.core.Vmcore#open} through
 * the {@link org.vmcore4j.core.VmcoreFormat} it provides, and the filtered ELF writer.
 */
module org.vmcore4j.elf {
    requires transitive org.vmcore4j.core;

    exports org.vmcore4j.elf;

    provides org.vmcore4j.core.VmcoreFormat with org.vmcore4j.elf.internal.ElfFormat;
}
