package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.Objects;
import org.vmcore4j.core.KernelAddressSpace.PageTranslation;
import org.vmcore4j.core.PhysicalMemory;

/**
 * What every page-table based kernel address space does the same way: addresses an architecture
 * translates by arithmetic (a linear map, the kernel image) go straight to physical memory, every
 * other one through the kernel's page tables, walked once per page and cached; reads go to physical
 * memory one translated run at a time (a whole arithmetic region, a whole huge page). Immutable but
 * for its lock-free cache, so safe to share between threads.
 */
final class CachedTranslation {

    /** The addresses an architecture translates without its page tables. */
    interface ArithmeticRegions {
        /**
         * How many bytes from {@code vaddr} on one arithmetic translation covers.
         *
         * @param vaddr a kernel virtual address
         * @return that many bytes, or 0 where the page tables decide
         */
        long arithmeticRun(long vaddr);

        /**
         * The physical address of {@code vaddr}, where {@link #arithmeticRun} covers it.
         *
         * @param vaddr a kernel virtual address in an arithmetic region
         * @return its physical address
         */
        long arithmeticPhysical(long vaddr);
    }

    private final PhysicalMemory memory;
    private final PageTableWalker walker;
    private final TranslationCache cache;
    private final long rootTable;
    private final ArithmeticRegions arithmetic;

    CachedTranslation(PhysicalMemory memory, PageTableWalker walker, TranslationCache cache, long rootTable,
            ArithmeticRegions arithmetic) {
        this.memory = memory;
        this.walker = walker;
        this.cache = cache;
        this.rootTable = rootTable;
        this.arithmetic = arithmetic;
    }

    long toPhysical(long vaddr) throws IOException {
        if (arithmetic.arithmeticRun(vaddr) > 0) {
            return arithmetic.arithmeticPhysical(vaddr);
        }
        return mapping(vaddr).toPhysical(vaddr);
    }

    /** Reads in pieces as large as the translation allows. */
    void read(long vaddr, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        while (len > 0) {
            long paddr;
            long contiguous = arithmetic.arithmeticRun(vaddr);
            if (contiguous > 0) {
                paddr = arithmetic.arithmeticPhysical(vaddr);
            } else {
                Mapping m = mapping(vaddr);
                paddr = m.toPhysical(vaddr);
                contiguous = m.remaining(vaddr);
            }
            int n = (int) Math.min(len, contiguous);
            memory.read(paddr, dst, off, n);
            vaddr += n;
            off += n;
            len -= n;
        }
    }

    /** The full walk, bypassing the arithmetic regions and the cache. */
    PageTranslation walk(long vaddr) throws IOException {
        Mapping m = walker.walk(rootTable, vaddr);
        return new PageTranslation(m.virtualBase(), m.physicalBase(), 1L << m.shift());
    }

    /** The page holding {@code vaddr}, from the cache or a walk. */
    private Mapping mapping(long vaddr) throws IOException {
        Mapping m = cache.lookup(vaddr);
        if (m == null) {
            m = walker.walk(rootTable, vaddr);
            cache.put(vaddr, m);
        }
        return m;
    }
}
