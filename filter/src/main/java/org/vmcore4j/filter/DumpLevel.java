package org.vmcore4j.filter;

import java.util.ArrayList;
import java.util.List;

/**
 * A makedumpfile dump level ({@code -d N}, 0..31): the sum of the page classes to leave out.
 *
 * <p>Bits (makedumpfile.h {@code DL_EXCLUDE_*}): 1 pages filled with zeros, 2 page cache without
 * private data, 4 all page cache (private too), 8 user process data (anonymous and hugetlbfs
 * pages), 16 free pages. Hardware-poisoned and logically offline pages are left out at every level
 * whenever the kernel's VMCOREINFO lets them be recognised, as makedumpfile does.
 */
public record DumpLevel(int value) {
    /** Level bit: pages filled with zeros. */
    public static final int ZERO = 1;
    /** Level bit: page cache without private data. */
    public static final int CACHE = 2;
    /** Level bit: page cache with private data. */
    public static final int CACHE_PRIVATE = 4;
    /** Level bit: user process data. */
    public static final int USER = 8;
    /** Level bit: free pages. */
    public static final int FREE = 16;
    /** Every bit: the highest dump level. */
    public static final int MAX = 31;

    /**
     * Checks the level.
     *
     * @param value the value
     * @throws IllegalArgumentException if {@code value} is not in 0..31
     */
    public DumpLevel {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException("dump level must be 0..31: " + value);
        }
    }

    /**
     * Level {@code value}, 0..31.
     *
     * @param value the value
     * @return the dump level
     */
    public static DumpLevel of(int value) {
        return new DumpLevel(value);
    }

    /** {@return whether zero pages are left out} */
    public boolean excludesZero() {
        return (value & ZERO) != 0;
    }

    /** {@return whether page cache without private data is left out} */
    public boolean excludesCache() {
        return (value & CACHE) != 0;
    }

    /** {@return whether page cache with private data is left out} */
    public boolean excludesCachePrivate() {
        return (value & CACHE_PRIVATE) != 0;
    }

    /** {@return whether user process data is left out} */
    public boolean excludesUser() {
        return (value & USER) != 0;
    }

    /** {@return whether free pages are left out} */
    public boolean excludesFree() {
        return (value & FREE) != 0;
    }

    /** {@return whether any class that needs struct page classification (2, 4, 8 or 16) is excluded} */
    public boolean needsClassification() {
        return (value & (CACHE | CACHE_PRIVATE | USER | FREE)) != 0;
    }

    /**
     * This level without the bits in {@code mask}.
     *
     * @param mask the mask
     * @return this level without the bits in {@code mask}
     */
    public DumpLevel without(int mask) {
        return new DumpLevel(value & ~mask);
    }

    /** Names of the bits in {@code mask}, e.g. "16 (free pages)". */
    static String describeBits(int mask) {
        List<String> parts = new ArrayList<>();
        if ((mask & ZERO) != 0) {
            parts.add("1 (zero pages)");
        }
        if ((mask & CACHE) != 0) {
            parts.add("2 (non-private page cache)");
        }
        if ((mask & CACHE_PRIVATE) != 0) {
            parts.add("4 (private page cache)");
        }
        if ((mask & USER) != 0) {
            parts.add("8 (user process data)");
        }
        if ((mask & FREE) != 0) {
            parts.add("16 (free pages)");
        }
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return "-d " + value;
    }
}
