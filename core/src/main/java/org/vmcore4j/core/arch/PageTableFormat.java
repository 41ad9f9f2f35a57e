package org.vmcore4j.core.arch;

/**
 * What a radix page-table walk needs to know about one architecture's tables: the levels (top
 * first), which vaddr bits index each, and how to decode an entry. x86_64 implements it here;
 * aarch64 (block and table descriptors, 4/16/64 KiB granules) fits the same shape.
 */
interface PageTableFormat {

    /** Number of levels walked, top first (1..{@link PageTableWalker#MAX_LEVELS}). */
    int levels();

    /** Name of {@code level} for messages ({@code "PGD"} ... {@code "PTE"}). */
    String levelName(int level);

    /** The lowest vaddr bit of the index into a table of {@code level}; also log2 of the size a leaf there maps. */
    int shift(int level);

    /** Width in bits of the index into a table of {@code level}. */
    int indexBits(int level);

    /** Whether {@code vaddr} is a valid input address at all (canonical form). */
    boolean canonical(long vaddr);

    boolean present(long entry);

    /** Whether a present {@code entry} at {@code level} maps a page (ends the walk) rather than pointing to a table. */
    boolean leaf(long entry, int level);

    /** Physical address of the next-level table a non-leaf entry points to. */
    long nextTable(long entry);

    /** Physical base of the page a leaf {@code entry} at {@code level} maps. */
    long pageBase(long entry, int level);
}
