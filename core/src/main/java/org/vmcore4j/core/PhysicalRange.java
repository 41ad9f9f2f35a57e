package org.vmcore4j.core;

import java.util.Locale;

/** A range of physical addresses {@code [start, end)}. */
public record PhysicalRange(long start, long end) {
    /**
     * Checks the range.
     *
     * @param start the start
     * @param end the end
     * @throws IllegalArgumentException if {@code end} is below {@code start} (unsigned)
     */
    public PhysicalRange {
        if (Long.compareUnsigned(end, start) < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "end 0x%x before start 0x%x", end, start));
        }
    }

    /** {@return the number of bytes in the range} */
    public long size() {
        return end - start;
    }

    /**
     * Whether {@code paddr} lies in the range (compared unsigned).
     *
     * @param paddr a physical address
     * @return whether {@code paddr} lies in the range (compared unsigned)
     */
    public boolean contains(long paddr) {
        return Long.compareUnsigned(paddr, start) >= 0 && Long.compareUnsigned(paddr, end) < 0;
    }
}
