package org.vmcore4j.core.arch;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Locale;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;

/**
 * Walks radix page tables held in a dump's physical memory. The walk reads at most
 * {@link #MAX_LEVELS} entries, checks each read, and never loops: a damaged table can make an
 * address unmapped or map it somewhere wrong, never hang the caller. Stateless apart from its
 * inputs, so one walker serves every thread.
 */
final class PageTableWalker {
    /** The deepest paging any supported architecture uses (x86_64 LA57, arm64 52-bit with 4 KiB pages). */
    static final int MAX_LEVELS = 5;

    private final PhysicalMemory memory;
    private final PageTableFormat format;
    private final ByteOrder order;

    PageTableWalker(PhysicalMemory memory, PageTableFormat format, ByteOrder order) {
        if (format.levels() < 1 || format.levels() > MAX_LEVELS) {
            throw new IllegalArgumentException("page tables of " + format.levels() + " levels");
        }
        this.memory = memory;
        this.format = format;
        this.order = order;
    }

    PageTableFormat format() {
        return format;
    }

    /**
     * Translates {@code vaddr} through the tables rooted at physical address {@code root}.
     *
     * @throws UnmappedAddressException if an entry is not present or its table is not in the dump
     * @throws org.vmcore4j.core.VmcoreFormatException if the dump is damaged where a table should be
     */
    Mapping walk(long root, long vaddr) throws IOException {
        if (!format.canonical(vaddr)) {
            throw new UnmappedAddressException(vaddr, UnmappedAddressException.NON_CANONICAL, 0, -1, 0,
                    "not a canonical address for " + format.levels() + "-level paging", null);
        }
        byte[] buf = new byte[8];
        long table = root;
        int levels = format.levels();
        for (int level = 0; level < levels; level++) {
            int shift = format.shift(level);
            long index = (vaddr >>> shift) & ((1L << format.indexBits(level)) - 1);
            long entryAddress = table + index * 8;
            String name = format.levelName(level);
            try {
                memory.read(entryAddress, buf, 0, 8);
            } catch (MemoryAccessException e) {
                throw new UnmappedAddressException(vaddr, name, 1L << shift, entryAddress, 0,
                        String.format(Locale.ROOT, "its %s table at physical 0x%x cannot be read (%s)", name, table, e.getMessage()), e);
            }
            long entry = entry(buf);
            if (!format.present(entry)) {
                throw new UnmappedAddressException(vaddr, name, 1L << shift, entryAddress, entry,
                        String.format(Locale.ROOT, "%s entry 0x%x at physical 0x%x is not present", name, entry, entryAddress), null);
            }
            if (level == levels - 1 || format.leaf(entry, level)) {
                return new Mapping(vaddr & -(1L << shift), format.pageBase(entry, level), shift);
            }
            table = format.nextTable(entry);
        }
        throw new AssertionError("the last level always ends the walk");
    }

    private long entry(byte[] b) {
        long v = 0;
        if (order == ByteOrder.LITTLE_ENDIAN) {
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (b[i] & 0xff);
            }
        } else {
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[i] & 0xff);
            }
        }
        return v;
    }
}
