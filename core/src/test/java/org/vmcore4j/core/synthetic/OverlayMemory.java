package org.vmcore4j.core.synthetic;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;

/**
 * Copy-on-write physical memory over a pristine {@link ArrayPhysicalMemory}: writes copy only the
 * page they touch, so damage properties can corrupt thousands of variants of one machine cheaply.
 */
public final class OverlayMemory implements PhysicalMemory {
    private static final int PAGE = ArrayPhysicalMemory.PAGE;
    private final ArrayPhysicalMemory base;
    private final Map<Long, byte[]> pages = new HashMap<>();

    public OverlayMemory(ArrayPhysicalMemory base) {
        this.base = base;
    }

    public void putByte(long paddr, int v) {
        byte[] p = pages.computeIfAbsent(paddr / PAGE, pfn -> {
            byte[] copy = new byte[PAGE];
            System.arraycopy(base.bytes(), (int) (pfn * PAGE), copy, 0, PAGE);
            return copy;
        });
        p[(int) (paddr % PAGE)] = (byte) v;
    }

    public void putLong(long paddr, long v) {
        for (int i = 0; i < 8; i++) {
            putByte(paddr + i, (int) (v >>> (8 * i)));
        }
    }

    @Override
    public int pageSize() {
        return PAGE;
    }

    @Override
    public List<PhysicalRange> ranges() {
        return base.ranges();
    }

    @Override
    public long endPfn() {
        return base.endPfn();
    }

    @Override
    public PageStatus status(long pfn) {
        return base.status(pfn);
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) throws MemoryAccessException {
        base.read(paddr, dst, off, len); // range and exclusion checks, and the untouched bytes
        for (long pfn = paddr / PAGE; len > 0 && pfn <= (paddr + len - 1) / PAGE; pfn++) {
            byte[] p = pages.get(pfn);
            if (p != null) {
                long from = Math.max(paddr, pfn * PAGE);
                long to = Math.min(paddr + len, (pfn + 1) * PAGE);
                System.arraycopy(p, (int) (from - pfn * PAGE), dst, off + (int) (from - paddr), (int) (to - from));
            }
        }
    }
}
