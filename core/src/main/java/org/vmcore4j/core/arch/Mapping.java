package org.vmcore4j.core.arch;

/**
 * One page as a page-table walk found it: {@code 2^shift} bytes at virtual {@code virtualBase}
 * backed by physical {@code physicalBase}. Immutable (final fields), so instances may be shared
 * between threads through plain array slots.
 */
record Mapping(long virtualBase, long physicalBase, int shift) {

    boolean contains(long vaddr) {
        return (vaddr >>> shift) == (virtualBase >>> shift);
    }

    long toPhysical(long vaddr) {
        return physicalBase + (vaddr & ((1L << shift) - 1));
    }

    /** Bytes from {@code vaddr} to the end of this page. */
    long remaining(long vaddr) {
        return (1L << shift) - (vaddr & ((1L << shift) - 1));
    }
}
