/**
 * ELF core files: the format of {@code /proc/vmcore} and of {@code makedumpfile -E} output.
 *
 * <p>{@link org.vmcore4j.elf.ElfVmcore} opens one as a {@link org.vmcore4j.core.Vmcore};
 * {@link org.vmcore4j.elf.ElfFormat} makes {@link org.vmcore4j.core.Vmcore#open} detect it.
 * {@link org.vmcore4j.elf.ElfFile} is the parsed structure (headers, program headers, raw notes)
 * for writers; {@link org.vmcore4j.elf.Notes} and {@link org.vmcore4j.elf.PrStatus} decode note
 * blobs for any format that carries the kernel's notes.
 */
package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfFormat;
