package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A window {@code [base, base + size)} of kernel virtual memory read lazily in 64 KiB chunks, of
 * which only the most recently used few are kept. Lets the printk readers index a ring the kernel
 * declares to be gigabytes large without allocating it up front: memory use follows what is read.
 * Offsets outside the window are a {@link VmcoreFormatException} (an index taken from the dump was
 * wrong), never a runtime exception. Not thread-safe; one per reader.
 */
final class VirtualRegion {
    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNK = 1 << CHUNK_SHIFT;
    private static final int KEPT_CHUNKS = 64;

    private final KernelAddressSpace space;
    private final long base;
    private final long size;
    private final String what;
    private final String resource;
    private final boolean littleEndian;
    private final Map<Long, byte[]> chunks = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > KEPT_CHUNKS;
        }
    };

    /**
     * @param what     the window's name in error messages ("printk text data ring")
     * @param resource the dump, for error messages
     */
    VirtualRegion(KernelAddressSpace space, long base, long size, String what, String resource) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        this.space = space;
        this.base = base;
        this.size = size;
        this.what = what;
        this.resource = resource;
        this.littleEndian = space.byteOrder() == ByteOrder.LITTLE_ENDIAN;
    }

    long size() {
        return size;
    }

    long base() {
        return base;
    }

    /** Whether the kernel is little-endian (which also decides how C bitfields are laid out). */
    boolean littleEndian() {
        return littleEndian;
    }

    private void check(long off, long len) throws VmcoreFormatException {
        if (off < 0 || len < 0 || off > size || len > size - off) {
            throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                    "%s: read of %d bytes at offset %d is outside its %d bytes at 0x%x", what, len, off, size, base));
        }
    }

    private byte[] chunk(long index) throws IOException {
        byte[] c = chunks.get(index);
        if (c == null) {
            long start = index << CHUNK_SHIFT;
            c = new byte[(int) Math.min(CHUNK, size - start)];
            space.read(base + start, c, 0, c.length);
            chunks.put(index, c);
        }
        return c;
    }

    /** Copies {@code len} bytes at {@code off} into {@code dst}. */
    void read(long off, byte[] dst, int dstOff, int len) throws IOException {
        check(off, len);
        while (len > 0) {
            byte[] c = chunk(off >>> CHUNK_SHIFT);
            int in = (int) (off & (CHUNK - 1));
            int n = Math.min(len, c.length - in);
            System.arraycopy(c, in, dst, dstOff, n);
            off += n;
            dstOff += n;
            len -= n;
        }
    }

    /** An unsigned value of {@code width} (1, 2, 4 or 8) bytes at {@code off}, in the kernel's byte order. */
    long unsigned(long off, int width) throws IOException {
        check(off, width);
        byte[] c = chunk(off >>> CHUNK_SHIFT);
        int in = (int) (off & (CHUNK - 1));
        byte[] b;
        if (in + width <= c.length) {
            b = c;
        } else {
            b = new byte[width];
            read(off, b, 0, width);
            in = 0;
        }
        long v = 0;
        for (int i = 0; i < width; i++) {
            int shiftIndex = littleEndian ? width - 1 - i : i;
            v = (v << 8) | (b[in + shiftIndex] & 0xff);
        }
        return v;
    }

    int u8(long off) throws IOException {
        return (int) unsigned(off, 1);
    }

    int u16(long off) throws IOException {
        return (int) unsigned(off, 2);
    }

    long u32(long off) throws IOException {
        return unsigned(off, 4);
    }

    long u64(long off) throws IOException {
        return unsigned(off, 8);
    }
}
