package org.vmcore4j.core;

/**
 * A virtual-to-physical mapping a dump format states explicitly, such as an ELF PT_LOAD's
 * {@code p_vaddr}/{@code p_paddr}/{@code p_memsz}. Address translation uses these as hints (x86_64
 * {@code phys_base} and direct-map base when VMCOREINFO lacks them), never as the truth over page tables.
 */
public record VirtualMapping(long virtualAddress, long physicalAddress, long size) {
}
