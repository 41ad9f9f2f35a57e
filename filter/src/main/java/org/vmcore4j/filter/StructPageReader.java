package org.vmcore4j.filter;

import java.util.Locale;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * The struct pages of one mem_map range, read {@value #PGMM_CACHED} at a time as makedumpfile
 * reads them, and their fields decoded in the dump's byte order, where each kernel generation
 * keeps them (the compound order and destructor moved from the first tail page's own fields to
 * folio flags in 6.6, and hugetlb became a page type in 6.9).
 *
 * <p>Offsets ({@code pc}) are byte offsets of a struct page in the cache: its index in the block of
 * {@value #PGMM_CACHED} times {@link PageLayout#sizePage}. Single thread; allocated once per scan.
 */
final class StructPageReader {
    /** makedumpfile's PGMM_CACHED: struct pages read per request, and the alignment of those reads. */
    static final int PGMM_CACHED = 512;
    /** Destructor value makedumpfile uses to say "hugetlb" on 6.6+ kernels (IS_HUGETLB). */
    static final long IS_HUGETLB = -1L;

    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private final String resource;
    private final KernelAddressSpace kas;
    private final PageLayout layout;
    private final boolean bigEndian;
    private final byte[] pageCache;
    /**
     * {@link #pageCache} again as 64-bit words in the dump's byte order, converted in bulk after each
     * read: struct page fields then cost a plain array load, even before the JIT compiles the scan
     * (a VarHandle read costs a chain of calls until then, which made the first scan several times
     * slower than later ones; a collector scans once).
     */
    private final long[] pageWords;
    private long readStart;
    private long readEnd;

    StructPageReader(String resource, KernelAddressSpace kas, PageLayout layout) {
        this.resource = resource;
        this.kas = kas;
        this.layout = layout;
        this.bigEndian = kas != null && kas.byteOrder() == ByteOrder.BIG_ENDIAN;
        pageCache = layout != null ? new byte[(PGMM_CACHED * layout.sizePage + 7) & ~7] : new byte[0];
        pageWords = new long[pageCache.length >>> 3];
    }

    /** Forgets what was read: a new mem_map range starts. */
    void reset() {
        readStart = -1L;
        readEnd = 0;
        Arrays.fill(pageCache, (byte) 0);
        Arrays.fill(pageWords, 0L);
    }

    /** Whether the struct page of {@code pfn} is in the cache. */
    boolean holds(long pfn) {
        return !(Long.compareUnsigned(pfn, readStart) < 0 || Long.compareUnsigned(readEnd, pfn) < 0);
    }

    /** Reads the {@code n} struct pages from {@code pfn} on, at kernel address {@code vaddr}, to offset {@code off}. */
    void read(long vaddr, int off, int n, long pfn) throws IOException {
        try {
            kas.read(vaddr, pageCache, off, n * layout.sizePage);
            int from = off >>> 3;
            int to = (off + n * layout.sizePage + 7) >>> 3;
            ByteBuffer.wrap(pageCache, from << 3, (to - from) << 3)
                    .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                    .get(pageWords, from, to - from);
        } catch (MemoryAccessException e) {
            throw new VmcoreFormatException(resource, -1, String.format(Locale.ROOT,
                    "cannot read the struct pages of PFNs 0x%x-0x%x at kernel address 0x%x (mem_map): %s", pfn,
                    pfn + n - 1, vaddr, e.getMessage()), e);
        }
        readStart = pfn;
        readEnd = pfn + n - 1;
    }

    long flags(int pc) {
        return ulong(pc + layout.offFlags);
    }

    long mapping(int pc) {
        return ulong(pc + layout.offMapping);
    }

    /** {@code _mapcount} (the page type on kernels that keep one there); 0 where the layout has none. */
    int mapcount(int pc) {
        return layout.offMapcount != PageLayout.NF ? uint(pc + (int) layout.offMapcount) : 0;
    }

    /** {@code compound_head}, whose bit 0 marks a tail page; 0 where the layout has none. */
    long compoundHead(int pc) {
        return layout.offCompoundHead != PageLayout.NF ? ulong(pc + (int) layout.offCompoundHead) : 0;
    }

    /** {@code private} (a free block's buddy order); 0 where the layout has none. */
    long privateField(int pc) {
        return layout.offPrivate != PageLayout.NF ? ulong(pc + (int) layout.offPrivate) : 0;
    }

    /** A compound page's order, read from its first tail page at {@code tail}. */
    int compoundOrder(int tail) {
        if (layout.hugetlbMapcount != PageLayout.NF || layout.pgHugetlb != PageLayout.NF) {
            // 6.6+: order in the low byte of folio._flags_1
            return (int) (ulong(tail + layout.offFlags) & 0xff);
        }
        if (layout.orderOffset != 0) {
            return layout.orderWidth == 1 ? ubyte(tail + layout.orderOffset) : ushort(tail + layout.orderOffset);
        }
        return 0;
    }

    /**
     * A compound page's destructor as makedumpfile compares it, from its first tail page at
     * {@code tail}: {@link #IS_HUGETLB} for hugetlb on 6.6+ ({@code headMapcount} the head's page
     * type on 6.9+, a flag in {@code _flags_1} on 6.6-6.8), the compound_dtor field before.
     */
    long compoundDestructor(int tail, int headMapcount) {
        if (layout.hugetlbMapcount != PageLayout.NF) {
            // 6.9+: hugetlb is a page type
            return headMapcount == (int) layout.hugetlbMapcount ? IS_HUGETLB : 0;
        }
        if (layout.pgHugetlb != PageLayout.NF) {
            // 6.6-6.8: hugetlb a flag in _flags_1
            return (ulong(tail + layout.offFlags) & (1L << layout.pgHugetlb)) != 0 ? IS_HUGETLB : 0;
        }
        if (layout.dtorOffset != 0) {
            return layout.dtorWidth == 1 ? ubyte(tail + layout.dtorOffset)
                    : layout.dtorWidth == 2 ? ushort(tail + layout.dtorOffset) : ulong(tail + layout.dtorOffset);
        }
        return 0;
    }

    private long ulong(int off) {
        if ((off & 7) == 0) {
            return pageWords[off >>> 3];
        }
        return bigEndian ? (long) BE_LONG.get(pageCache, off) : (long) LE_LONG.get(pageCache, off);
    }

    private int uint(int off) {
        if ((off & 3) == 0) {
            long w = pageWords[off >>> 3];
            // little endian: the second half of the word is its high 32 bits; big endian: the first half
            boolean high = ((off & 4) != 0) != bigEndian;
            return (int) (high ? w >>> 32 : w);
        }
        return bigEndian ? (int) BE_INT.get(pageCache, off) : (int) LE_INT.get(pageCache, off);
    }

    private int ushort(int off) {
        if ((off & 1) == 0) {
            int shift = bigEndian ? (6 - (off & 7)) << 3 : (off & 7) << 3;
            return (int) (pageWords[off >>> 3] >>> shift) & 0xffff;
        }
        return Short.toUnsignedInt(bigEndian ? (short) BE_SHORT.get(pageCache, off) : (short) LE_SHORT.get(pageCache, off));
    }

    private int ubyte(int off) {
        return pageCache[off] & 0xff;
    }
}
