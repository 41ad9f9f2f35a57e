/**
 * The dump model every vmcore4j module shares: open a crash dump of any installed format
 * ({@link org.vmcore4j.core.Vmcore#open(java.nio.file.Path, org.vmcore4j.core.OpenOptions)}), its
 * VMCOREINFO, CPUs, physical memory and the crashed kernel's address space
 * ({@link org.vmcore4j.core.Vmcore#read}), dmesg; and, in {@code org.vmcore4j.core.arch}, one
 * description per architecture. Formats are found with {@link java.util.ServiceLoader}: a module
 * that provides {@link org.vmcore4j.core.VmcoreFormat} (vmcore4j's {@code org.vmcore4j.elf} and
 * {@code org.vmcore4j.kdump}) must be on the module path for its dumps to open.
 */
module org.vmcore4j.core {
    exports org.vmcore4j.core;
    exports org.vmcore4j.core.arch;
    // sources, notes and the lazily built address space, which the format readers and the collector
    // build on; not an API
    exports org.vmcore4j.core.internal to org.vmcore4j.elf, org.vmcore4j.kdump, org.vmcore4j.collector;

    uses org.vmcore4j.core.VmcoreFormat;

    provides org.vmcore4j.core.VmcoreFormat with org.vmcore4j.core.internal.archive.TarFormat;
}
