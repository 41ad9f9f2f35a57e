/**
 * ELF core files: the format of {@code /proc/vmcore} and of {@code makedumpfile -E} output.
 *
 * <p>{@link org.vmcore4j.elf.ElfVmcore} opens one as a {@link org.vmcore4j.core.Vmcore}; the
 * module's format provider makes {@link org.vmcore4j.core.Vmcore#open} detect it.
 * {@link org.vmcore4j.elf.ElfFile} is the parsed structure (headers, program headers, raw notes)
 * for writers; {@link org.vmcore4j.elf.ElfDumpWriter} writes the filtered ELF output
 * ({@code makedumpfile -E}). Threads: the reader is read by any number of threads at once; a writer
 * is used by one.
 */
package org.vmcore4j.elf;
