package org.vmcore4j.kdump;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;
import org.vmcore4j.kdump.internal.codec.PageCodec;

/** The physical memory of a kdump-compressed dump (one file or a split set); see {@link KdumpVmcore}. */
final class KdumpPhysicalMemory implements PhysicalMemory {
    private static final long NONE = Long.MIN_VALUE;
    private final KdumpFile[] parts;
    private final long[] partStarts;
    private final int pageSize;
    private final int pageShift;
    private final long maxMapnr;
    private final ByteOrder order;
    private final List<PhysicalRange> ranges;
    private final ConcurrentLinkedQueue<ReadContext> contexts = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<ReadContext> context = ThreadLocal.withInitial(this::newContext);

    /** One thread's buffers, codecs and one-page cache: reads allocate nothing once warm. */
    private final class ReadContext {
        final byte[] page = new byte[pageSize];
        final byte[] compressed = new byte[pageSize];
        final PageCodec[] codecs = new PageCodec[Compression.values().length];
        long cachedPfn = NONE; // never a valid PFN

        PageCodec codec(Compression c) {
            PageCodec k = codecs[c.ordinal()];
            if (k == null) {
                k = PageCodec.of(c);
                codecs[c.ordinal()] = k;
            }
            return k;
        }

        void close() {
            for (int i = 0; i < codecs.length; i++) {
                if (codecs[i] != null) {
                    codecs[i].close();
                    codecs[i] = null;
                }
            }
            cachedPfn = NONE;
        }
    }

    KdumpPhysicalMemory(List<KdumpFile> sortedParts) throws IOException {
        this.parts = sortedParts.toArray(new KdumpFile[0]);
        this.partStarts = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            partStarts[i] = parts[i].startPfn();
        }
        KdumpFile first = parts[0];
        this.pageSize = first.blockSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.maxMapnr = first.maxMapnr();
        this.order = first.byteOrder();
        this.ranges = computeRanges(first);
    }

    private ReadContext newContext() {
        ReadContext c = new ReadContext();
        contexts.add(c);
        return c;
    }

    private List<PhysicalRange> computeRanges(KdumpFile f) throws IOException {
        PageBitmap ram = f.memoryBitmap();
        List<PhysicalRange> out = new ArrayList<>();
        long pfn = ram.nextSetBit(0);
        while (pfn >= 0) {
            long end = ram.nextClearBit(pfn);
            if (out.size() >= KdumpVmcore.MAX_RANGES) {
                throw new VmcoreFormatException(f.description(), ram.fileOffset(), "the memory bitmap describes more than "
                        + KdumpVmcore.MAX_RANGES + " separate RAM ranges");
            }
            out.add(new PhysicalRange(pfn << pageShift, end << pageShift));
            pfn = end < ram.size() ? ram.nextSetBit(end) : -1;
        }
        return List.copyOf(out);
    }

    /** The part whose PFN range holds {@code pfn}, or null where none does. */
    KdumpFile partFor(long pfn) {
        if (pfn < 0 || pfn >= maxMapnr) {
            return null;
        }
        if (parts.length == 1) {
            KdumpFile only = parts[0];
            return pfn >= only.startPfn() && pfn < only.endPfn() ? only : null;
        }
        int lo = 0;
        int hi = parts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (partStarts[mid] <= pfn) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        KdumpFile f = parts[lo];
        // empty parts (start == end) share a start with their successor; the search picks the last.
        // Frames before the first part or between parts belong to none (a set not starting at PFN 0).
        return pfn >= f.startPfn() && pfn < f.endPfn() ? f : null;
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    @Override
    public List<PhysicalRange> ranges() {
        return ranges;
    }

    @Override
    public long endPfn() {
        return maxMapnr;
    }

    @Override
    public PageStatus status(long pfn) {
        try {
            KdumpFile f = partFor(pfn);
            if (f == null || !f.memoryBitmap().get(pfn)) {
                return PageStatus.NOT_RAM;
            }
            if (!f.dumpableBitmap().get(pfn)) {
                return PageStatus.EXCLUDED;
            }
            long pos = f.descriptorPosition(pfn);
            RandomAccessSource src = f.source();
            if (pos + PageDescriptor.SIZE > src.size()) {
                return PageStatus.LOST;
            }
            long dataOffset = src.readLong(pos, order);
            if (dataOffset == 0 || (f.incomplete() && pastEnd(src, pos, dataOffset))) {
                return PageStatus.LOST;
            }
            return PageStatus.PRESENT;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * In an INCOMPLETE file, whether the page's data would end past the end of the file: its
     * descriptor reached the disk, its data did not. (In a complete file that is corruption.)
     */
    private boolean pastEnd(RandomAccessSource src, long pos, long dataOffset) throws IOException {
        long size = Integer.toUnsignedLong(src.readInt(pos + 8, order));
        return dataOffset >= src.size() || size > src.size() - dataOffset;
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        ReadContext ctx = context.get();
        while (len > 0) {
            if (paddr < 0) {
                throw notAvailable(MemoryAccessException.Reason.NOT_RAM, paddr, -1);
            }
            long pfn = paddr >>> pageShift;
            int in = (int) (paddr & (pageSize - 1));
            int n = Math.min(len, pageSize - in);
            if (ctx.cachedPfn != pfn) {
                ctx.cachedPfn = NONE;
                loadPage(pfn, paddr, ctx.page, ctx);
                ctx.cachedPfn = pfn;
            }
            System.arraycopy(ctx.page, in, dst, off, n);
            paddr += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void readPage(long pfn, byte[] dst, int off) throws IOException {
        Objects.checkFromIndexSize(off, pageSize, dst.length);
        if (pfn < 0 || pfn > (Long.MAX_VALUE >>> pageShift)) {
            throw notAvailable(MemoryAccessException.Reason.NOT_RAM, pfn << pageShift, pfn);
        }
        ReadContext ctx = context.get();
        if (ctx.cachedPfn == pfn) {
            System.arraycopy(ctx.page, 0, dst, off, pageSize);
            return;
        }
        // whole pages go straight to the caller's buffer; the cache stays for small reads
        loadPageInto(pfn, pfn << pageShift, dst, off, ctx);
    }

    private void loadPage(long pfn, long paddr, byte[] out, ReadContext ctx) throws IOException {
        loadPageInto(pfn, paddr, out, 0, ctx);
    }

    private void loadPageInto(long pfn, long paddr, byte[] out, int outOff, ReadContext ctx) throws IOException {
        KdumpFile f = partFor(pfn);
        if (f == null || !f.memoryBitmap().get(pfn)) {
            throw notAvailable(MemoryAccessException.Reason.NOT_RAM, paddr, pfn);
        }
        if (!f.dumpableBitmap().get(pfn)) {
            throw notAvailable(MemoryAccessException.Reason.EXCLUDED, paddr, pfn);
        }
        RandomAccessSource src = f.source();
        long pos = f.descriptorPosition(pfn);
        if (pos + PageDescriptor.SIZE > src.size()) {
            throw notAvailable(MemoryAccessException.Reason.LOST, paddr, pfn);
        }
        long dataOffset = src.readLong(pos, order);
        if (dataOffset == 0 || (f.incomplete() && pastEnd(src, pos, dataOffset))) {
            // never written, or (incomplete file) the descriptor reached the disk and its data did not:
            // decided before the descriptor is validated, exactly as status() decides LOST
            throw notAvailable(MemoryAccessException.Reason.LOST, paddr, pfn);
        }
        int size = src.readInt(pos + 8, order);
        int flags = src.readInt(pos + 12, order);
        Compression c = Compression.fromFlags(flags);
        if (c == null) {
            throw corrupt(f, pos + 12, pfn, String.format(Locale.ROOT, "descriptor flags 0x%x name several compression methods", flags));
        }
        if (c == Compression.LZ4 && (f.header().status() & Compression.LZ4_FLAG) == 0) {
            throw corrupt(f, pos + 12, pfn, String.format(Locale.ROOT, "descriptor flags 0x%x use vmcore4j's LZ4 bit, but the header"
                    + " status 0x%x does not announce LZ4", flags, f.header().status()));
        }
        if (size <= 0 || size > pageSize || (c == Compression.NONE && size != pageSize)) {
            throw corrupt(f, pos + 8, pfn, "descriptor size " + Integer.toUnsignedString(size) + " is not valid for a "
                    + c + " page of " + pageSize + " bytes");
        }
        if (dataOffset < f.dataAreaOffset() || dataOffset > src.size() || size > src.size() - dataOffset) {
            throw corrupt(f, pos, pfn, "page data of " + size + " bytes at offset " + dataOffset
                    + " lies outside the data area [" + f.dataAreaOffset() + ", " + src.size() + ")");
        }
        if (c == Compression.NONE) {
            src.read(dataOffset, out, outOff, pageSize);
            return;
        }
        src.read(dataOffset, ctx.compressed, 0, size);
        PageCodec codec;
        try {
            codec = ctx.codec(c);
        } catch (IllegalStateException e) {
            throw new IOException(String.format(Locale.ROOT, "cannot decode the %s page of PFN 0x%x at offset %d in %s: %s", c, pfn,
                    dataOffset, f.description(), e.getMessage()), e);
        }
        try {
            codec.decompress(ctx.compressed, 0, size, out, outOff, pageSize);
        } catch (IllegalStateException e) {
            throw new IOException(String.format(Locale.ROOT, "cannot decode the %s page of PFN 0x%x at offset %d in %s: %s", c, pfn,
                    dataOffset, f.description(), e.getMessage()), e);
        } catch (CorruptPageException e) {
            throw new VmcoreFormatException(f.description(), dataOffset,
                    String.format(Locale.ROOT, "page data of PFN 0x%x (%s, %d bytes): %s", pfn, c, size, e.getMessage()), e);
        }
    }

    private static VmcoreFormatException corrupt(KdumpFile f, long offset, long pfn, String reason) {
        return new VmcoreFormatException(f.description(), offset, String.format(Locale.ROOT, "page descriptor of PFN 0x%x: %s", pfn, reason));
    }

    private MemoryAccessException notAvailable(MemoryAccessException.Reason reason, long paddr, long pfn) {
        String what = switch (reason) {
            case EXCLUDED -> "was excluded from the dump";
            case LOST -> "was lost (incomplete dump: its descriptor was never written)";
            default -> "is not RAM in the dump";
        };
        String where = parts.length == 1 ? parts[0].description() : "split set of " + parts[0].description();
        return new MemoryAccessException(reason, paddr, String.format(Locale.ROOT, "physical address 0x%x %s (%s)", paddr, what, where));
    }

    void close() {
        for (ReadContext c : contexts) {
            c.close();
        }
        contexts.clear();
    }
}
