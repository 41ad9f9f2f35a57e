package org.vmcore4j.core.arch;

import java.util.Locale;
import org.vmcore4j.core.MemoryAccessException;

/**
 * A kernel virtual address has no translation: a page-table entry on its path is not present or
 * could not be read, or the address is not canonical. Always {@link Reason#NOT_MAPPED};
 * {@link #address()} is the virtual address asked for, {@link #level()} names the level whose entry
 * stopped the walk, so a caller can tell a hole in the kernel's mappings ("PTE not present") from a
 * page table the dump does not hold (the cause is then the physical read's exception).
 */
public final class UnmappedAddressException extends MemoryAccessException {
    private static final long serialVersionUID = 1L;

    /** {@link #level()} of an address that is not canonical for the paging mode, so no table was read. */
    public static final String NON_CANONICAL = "canonical-address check";

    /** The page-table level whose entry was not present. */
    private final String level;
    /** Bytes of address space the entry maps. */
    private final long entrySpan;
    /** Physical address of the entry. */
    private final long entryAddress;
    /** The entry's value. */
    private final long entry;

    UnmappedAddressException(long vaddr, String level, long entrySpan, long entryAddress, long entry, String why,
            Throwable cause) {
        super(Reason.NOT_MAPPED, vaddr, String.format(Locale.ROOT, "virtual address 0x%x is not mapped: %s", vaddr, why));
        this.level = level;
        this.entrySpan = entrySpan;
        this.entryAddress = entryAddress;
        this.entry = entry;
        if (cause != null) {
            initCause(cause);
        }
    }

    /**
     * {@return the level that failed: {@code "PGD"}, {@code "P4D"}, {@code "PUD"}, {@code "PMD"},
     * {@code "PTE"}, or {@link #NON_CANONICAL}}
     */
    public String level() {
        return level;
    }

    /**
     * {@return the bytes of virtual address space the failed entry covers (2 MiB for an x86_64 PMD
     * entry), so a caller stepping through the space can skip the whole hole; 0 for a non-canonical
     * address}
     */
    public long entrySpan() {
        return entrySpan;
    }

    /** {@return physical address of the entry that failed, or -1 where no entry was read} */
    public long entryAddress() {
        return entryAddress;
    }

    /** {@return the entry's value where it was read (not present), else 0} */
    public long entry() {
        return entry;
    }
}
