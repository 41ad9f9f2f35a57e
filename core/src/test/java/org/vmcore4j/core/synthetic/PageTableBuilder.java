package org.vmcore4j.core.synthetic;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds real x86_64 long-mode page tables (4- or 5-level) in an {@link ArrayPhysicalMemory}, as
 * the kernel lays them out: 512 eight-byte entries per 4 KiB table, present|rw|accessed|dirty
 * flags, PSE for 2 MiB and 1 GiB pages, and the SME encryption bit in every entry when given.
 */
public final class PageTableBuilder {
    public static final long FLAGS = 0x63; // present, rw, accessed, dirty
    public static final long PSE = 0x80;
    private static final long ADDRESS_MASK = 0x000ffffffffff000L;

    private final ArrayPhysicalMemory memory;
    private final int levels;
    private final long sme;
    private final long tableEnd;
    private long nextTable;
    private final long root;

    /** Tables are allocated from {@code [tableStart, tableEnd)}; the first is the root. */
    public PageTableBuilder(ArrayPhysicalMemory memory, int levels, long tableStart, long tableEnd, long smeMask) {
        this.memory = memory;
        this.levels = levels;
        this.sme = smeMask;
        this.nextTable = tableStart;
        this.tableEnd = tableEnd;
        this.root = allocTable();
    }

    public long root() {
        return root;
    }

    public int levels() {
        return levels;
    }

    private long allocTable() {
        if (nextTable + 4096 > tableEnd) {
            throw new IllegalStateException("out of page-table space");
        }
        long t = nextTable;
        nextTable += 4096;
        memory.fill(t, 4096, 0);
        return t;
    }

    /** Index of {@code vaddr} in a table of {@code level} (0 = top). */
    private int index(long vaddr, int level) {
        int shift = 12 + 9 * (levels - 1 - level);
        return (int) ((vaddr >>> shift) & 511);
    }

    /** Maps the page of {@code 2^shift} bytes (12, 21 or 30) at {@code vaddr} to {@code paddr}. */
    public void map(long vaddr, long paddr, int shift) {
        int target = levels - 1 - (shift - 12) / 9;
        long table = root;
        for (int level = 0; level < target; level++) {
            long ea = table + 8L * index(vaddr, level);
            long e = memory.getLong(ea);
            if ((e & 1) == 0) {
                long t = allocTable();
                memory.putLong(ea, t | FLAGS | sme);
                table = t;
            } else {
                table = e & ADDRESS_MASK & ~sme;
            }
        }
        long ea = table + 8L * index(vaddr, target);
        memory.putLong(ea, paddr | FLAGS | sme | (shift > 12 ? PSE : 0));
    }

    /** Maps {@code [vaddr, vaddr + size)} to {@code [paddr, ...)} with pages of {@code 2^shift}. */
    public void mapRange(long vaddr, long paddr, long size, int shift) {
        for (long o = 0; o < size; o += 1L << shift) {
            map(vaddr + o, paddr + o, shift);
        }
    }

    /** Physical addresses of the entries a walk for {@code vaddr} reads (as built, top first). */
    public List<Long> path(long vaddr) {
        List<Long> out = new ArrayList<>();
        long table = root;
        for (int level = 0; level < levels; level++) {
            long ea = table + 8L * index(vaddr, level);
            out.add(ea);
            long e = memory.getLong(ea);
            if ((e & 1) == 0 || (level > 0 && level >= levels - 3 && (e & PSE) != 0) || level == levels - 1) {
                break;
            }
            table = e & ADDRESS_MASK & ~sme;
        }
        return out;
    }

    /** Where the next table would go: the tables occupy {@code [tableStart, tablesEnd())}. */
    public long tablesEnd() {
        return nextTable;
    }
}
