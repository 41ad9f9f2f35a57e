package org.vmcore4j.core.synthetic;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;

/** Physical memory of a synthetic machine: RAM from 0 to {@code size}, little-endian accessors, pages that can be marked excluded. */
public final class ArrayPhysicalMemory implements PhysicalMemory {
    public static final int PAGE = 4096;

    private final byte[] bytes;
    private final BitSet excluded;

    public ArrayPhysicalMemory(int size) {
        this(new byte[size], new BitSet());
    }

    private ArrayPhysicalMemory(byte[] bytes, BitSet excluded) {
        this.bytes = bytes;
        this.excluded = excluded;
    }

    /** An independent copy (to corrupt without touching the original). */
    public ArrayPhysicalMemory copy() {
        return new ArrayPhysicalMemory(bytes.clone(), (BitSet) excluded.clone());
    }

    public byte[] bytes() {
        return bytes;
    }

    public void exclude(long pfn) {
        excluded.set((int) pfn);
    }

    @Override
    public int pageSize() {
        return PAGE;
    }

    @Override
    public List<PhysicalRange> ranges() {
        return List.of(new PhysicalRange(0, bytes.length));
    }

    @Override
    public long endPfn() {
        return bytes.length / PAGE;
    }

    @Override
    public PageStatus status(long pfn) {
        if (pfn < 0 || pfn >= endPfn()) {
            return PageStatus.NOT_RAM;
        }
        return excluded.get((int) pfn) ? PageStatus.EXCLUDED : PageStatus.PRESENT;
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) throws MemoryAccessException {
        if (paddr < 0 || len < 0 || paddr > bytes.length - (long) len) {
            throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, paddr,
                    String.format(Locale.ROOT, "physical 0x%x (+%d) is not RAM", paddr, len));
        }
        for (long pfn = paddr / PAGE; len > 0 && pfn <= (paddr + len - 1) / PAGE; pfn++) {
            if (excluded.get((int) pfn)) {
                throw new MemoryAccessException(MemoryAccessException.Reason.EXCLUDED, pfn * PAGE, "excluded page " + pfn);
            }
        }
        System.arraycopy(bytes, (int) paddr, dst, off, len);
    }

    public void put(long paddr, byte[] src) {
        System.arraycopy(src, 0, bytes, (int) paddr, src.length);
    }

    public void putLong(long paddr, long v) {
        for (int i = 0; i < 8; i++) {
            bytes[(int) paddr + i] = (byte) (v >>> (8 * i));
        }
    }

    public void putInt(long paddr, int v) {
        for (int i = 0; i < 4; i++) {
            bytes[(int) paddr + i] = (byte) (v >>> (8 * i));
        }
    }

    public void putShort(long paddr, int v) {
        bytes[(int) paddr] = (byte) v;
        bytes[(int) paddr + 1] = (byte) (v >>> 8);
    }

    public void putByte(long paddr, int v) {
        bytes[(int) paddr] = (byte) v;
    }

    public long getLong(long paddr) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (bytes[(int) paddr + i] & 0xff);
        }
        return v;
    }

    public void fill(long paddr, int len, int value) {
        Arrays.fill(bytes, (int) paddr, (int) paddr + len, (byte) value);
    }

    public int size() {
        return bytes.length;
    }
}
