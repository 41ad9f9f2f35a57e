package org.vmcore4j.core;

/**
 * Which kind of address a {@link Vmcore#read(AddressSpace, long, byte[], int, int)} takes, as
 * libkdumpfile's {@code kdump_read} takes {@code KPHYSADDR} or {@code KVADDR}.
 */
public enum AddressSpace {
    /** Physical addresses of the crashed machine: a page frame number times the page size. */
    PHYSICAL,
    /**
     * Virtual addresses of the crashed kernel, translated with its page tables and VMCOREINFO
     * ({@link Vmcore#kernelAddressSpace()}).
     */
    KERNEL_VIRTUAL
}
