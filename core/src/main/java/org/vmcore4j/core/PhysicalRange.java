package org.vmcore4j.core;

import java.util.Locale;

/** A range of physical addresses {@code [start, end)}. */
public record PhysicalRange(long start, long end) {
    public PhysicalRange {
        if (Long.compareUnsigned(end, start) < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "end 0x%x before start 0x%x", end, start));
        }
    }

    public long size() {
        return end - start;
    }

    public boolean contains(long paddr) {
        return Long.compareUnsigned(paddr, start) >= 0 && Long.compareUnsigned(paddr, end) < 0;
    }
}
