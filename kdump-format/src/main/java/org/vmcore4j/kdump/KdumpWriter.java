package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Writes one kdump-compressed file ({@code KDUMP   }, header version 6) front to back, laid out as
 * makedumpfile 1.7.9 lays it out, so that the same header values, bitmaps and page bytes give the
 * same file byte for byte:
 *
 * <pre>
 * block 0                 disk_dump_header
 * block 1                 kdump_sub_header, then the ELF notes copied verbatim
 * 1 + sub_hdr_size        1st bitmap (memory present), then the 2nd bitmap (dumpable), each
 *                         ceil(max_mapnr / 8) bytes rounded up to whole blocks
 * then                    one 24-byte page descriptor per dumpable page, in PFN order
 * then                    page data: the shared zero page first (when zero pages are excluded),
 *                         then each page as its descriptor says; eraseinfo last
 * </pre>
 *
 * (layout per makedumpfile's write_kdump_header and write_kdump_pages_and_bitmap_cyclic). The
 * number of dumpable pages must be known before the first page, because page data starts after
 * the whole descriptor table.
 *
 * <p>The writer does not decide anything about pages: the caller hands it bitmaps a cycle at a time
 * ({@link #writeMemoryBitmap}, {@link #writeDumpableBitmap}) and pages in PFN order, already
 * compressed ({@link #writePage}) or known to be zeros ({@link #writeZeroPage}).
 *
 * <p><b>Nothing lost.</b> Descriptors and data are flushed together, descriptors first, as
 * makedumpfile does, so that on a full disk the descriptor blocks are already allocated. When the
 * sink fails (full disk, size limit), {@link #abort} writes out what it can of the buffered data,
 * keeps the descriptors of every page whose data reached the sink, zeroes the others, sets
 * {@link DiskDumpHeader#STATUS_INCOMPLETE} in the header (where the sink can rewrite), and leaves
 * a file readers open: pages written read back, the others read as lost (their descriptor is zero
 * or past the end of the file, as crash and libkdumpfile understand an incomplete dump). A file
 * sink gets the INCOMPLETE flag from the start and loses it in {@link #finish}, so a run killed
 * half-way leaves a file that is marked too.
 *
 * <p>Memory: two fixed buffers (descriptors and data, about 1.1 MiB together). Not thread-safe.
 */
public final class KdumpWriter {
    private static final int HEADER_BLOCKS = KdumpHeaderCodec.HEADER_BLOCKS;
    private static final int UTSNAME_LENGTH = 6 * HeaderLayout.UTS_FIELD_LENGTH;
    private static final int DATA_BUFFER_BYTES = 1 << 20;
    private static final int DESCRIPTORS_PER_FLUSH = 4096;

    private final DumpSink sink;
    private final KdumpOutputHeader header;
    private final ByteOrder order;
    private final int blockSize;
    private final byte[] headerBlock;
    private final long bitmap1Offset;
    private final long bitmapBytes; // each of the two bitmaps, block-aligned
    private final long descriptorTableOffset;
    private long dumpablePages;
    private final long zeroPageOffset; // -1 without a shared zero page
    private final ByteBuffer descriptors;
    private final long[] descriptorDataEnds = new long[DESCRIPTORS_PER_FLUSH];
    private final ByteBuffer data;
    private long descriptorsWritten; // descriptors on disk (table index of the next one to flush)
    private long pagesAccepted;
    private long dataBufferOffset; // file offset of data's first buffered byte
    private long dataEnd; // file offset after the last accepted page's data
    private long eraseinfoOffset = -1;
    private long eraseinfoSize;
    private boolean finished;
    private boolean failed;

    private KdumpWriter(DumpSink sink, KdumpOutputHeader header, long descriptorSlots, long dumpablePages,
            boolean sharedZeroPage) {
        this.sink = sink;
        this.header = header;
        this.order = header.byteOrder();
        this.blockSize = header.blockSize();
        this.dumpablePages = dumpablePages;
        HeaderLayout layout = header.layout();
        long subHeaderBlocks = divideUp(layout.subHeaderSize() + (long) header.notes().length, blockSize);
        this.bitmapBytes = divideUp(divideUp(header.maxMapnr(), 8), blockSize) * blockSize;
        this.bitmap1Offset = (HEADER_BLOCKS + subHeaderBlocks) * blockSize;
        this.descriptorTableOffset = bitmap1Offset + 2 * bitmapBytes;
        long dataStart = descriptorTableOffset + PageDescriptor.SIZE * descriptorSlots;
        this.zeroPageOffset = sharedZeroPage ? dataStart : -1;
        this.dataBufferOffset = dataStart;
        this.dataEnd = dataStart;
        this.headerBlock = KdumpHeaderCodec.encodeHeader(header, subHeaderBlocks, 2 * bitmapBytes / blockSize);
        // Direct buffers: a file channel writes a heap buffer by first copying it into a direct one of
        // its own, one more pass over every byte of the dump.
        this.descriptors = ByteBuffer.allocateDirect(DESCRIPTORS_PER_FLUSH * PageDescriptor.SIZE).order(order);
        this.data = ByteBuffer.allocateDirect(Math.max(DATA_BUFFER_BYTES, 2 * blockSize));
    }

    /**
     * Writes the header, sub-header and notes, and (when {@code sharedZeroPage}) the one zero page
     * every all-zero page will point to; then the writer expects bitmaps and pages.
     *
     * @param sink where the output goes
     * @param header the header
     * @return the kdump writer
     * @param dumpablePages  the number of set bits of the whole 2nd bitmap: exactly that many pages
     *                       ({@link #writePage} or {@link #writeZeroPage}) must follow
     * @param sharedZeroPage makedumpfile writes the zero page iff the dump level excludes zero pages
     * @throws IOException if reading or writing fails
     */
    public static KdumpWriter start(DumpSink sink, KdumpOutputHeader header, long dumpablePages, boolean sharedZeroPage)
            throws IOException {
        return start(sink, header, dumpablePages, dumpablePages, sharedZeroPage);
    }

    /**
     * Like {@link #start(DumpSink, KdumpOutputHeader, long, boolean)} for one file of a split set: makedumpfile
     * sizes every file's descriptor table for the dumpable pages of the whole dump
     * ({@code descriptorSlots}) and fills only the first {@code dumpablePages} of it, those of the
     * file's own PFN range, so page data starts at the same offset in every file of the set.
     *
     * @param sink where the output goes
     * @param header the header
     * @param descriptorSlots the descriptor slots
     * @param dumpablePages the dumpable pages
     * @param sharedZeroPage the shared zero page
     * @return the kdump writer
     * @throws IOException if reading or writing fails
     */
    public static KdumpWriter start(DumpSink sink, KdumpOutputHeader header, long descriptorSlots, long dumpablePages,
            boolean sharedZeroPage) throws IOException {
        if (descriptorSlots < 0 || descriptorSlots > header.maxMapnr()) {
            throw new IllegalArgumentException("descriptor slots out of range: " + descriptorSlots);
        }
        if (dumpablePages < 0 || dumpablePages > descriptorSlots) {
            throw new IllegalArgumentException("dumpable pages out of range: " + dumpablePages);
        }
        KdumpWriter w = new KdumpWriter(sink, header, descriptorSlots, dumpablePages, sharedZeroPage);
        w.writeHeaders();
        return w;
    }

    /** {@return whether {@link #finish} or {@link #abort} has run} */
    public boolean isFinished() {
        return finished;
    }

    /** {@return pages accepted so far (written or buffered)} */
    public long pagesWritten() {
        return pagesAccepted;
    }

    private ByteBuffer encodeSubHeader() {
        return KdumpHeaderCodec.encodeSubHeader(header, eraseinfoOffset, eraseinfoSize);
    }

    private void writeHeaders() throws IOException {
        // INCOMPLETE until finish() rewrites the header: a run killed half-way leaves a file that says so
        sink.write(0, ByteBuffer.wrap(sink.canRewrite() ? incompleteHeader() : headerBlock));
        sink.write(blockSize, encodeSubHeader());
        if (header.notes().length > 0) {
            sink.write(KdumpHeaderCodec.noteOffset(header), ByteBuffer.wrap(header.notes()));
        }
        if (zeroPageOffset >= 0) {
            data.put(new byte[blockSize]);
            dataEnd += blockSize;
        }
    }

    /**
     * Writes the 1st-bitmap bytes of the frames from {@code startPfn} (a multiple of 8) in
     * makedumpfile's bit order (bit {@code pfn % 8} of byte {@code pfn / 8}).
     *
     * @param startPfn the first frame
     * @param bits the bits
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @throws IOException if reading or writing fails
     */
    public void writeMemoryBitmap(long startPfn, byte[] bits, int off, int len) throws IOException {
        writeBitmap(bitmap1Offset, startPfn, bits, off, len);
    }

    /**
     * Writes 2nd-bitmap (dumpable) bytes of the frames from {@code startPfn} (a multiple of 8).
     *
     * @param startPfn the first frame
     * @param bits the bits
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @throws IOException if reading or writing fails
     */
    public void writeDumpableBitmap(long startPfn, byte[] bits, int off, int len) throws IOException {
        writeBitmap(bitmap1Offset + bitmapBytes, startPfn, bits, off, len);
    }

    private void writeBitmap(long base, long startPfn, byte[] bits, int off, int len) throws IOException {
        checkOpen();
        if (startPfn < 0 || (startPfn & 7) != 0 || startPfn / 8 + len > bitmapBytes) {
            throw new IllegalArgumentException("bitmap bytes [" + startPfn / 8 + ", +" + len + ") outside the "
                    + bitmapBytes + "-byte bitmap");
        }
        guarded(() -> sink.write(base + startPfn / 8, ByteBuffer.wrap(bits, off, len)));
    }

    /**
     * Appends the next dumpable page: {@code length} bytes stored with {@code compression}
     * ({@link Compression#NONE} for a raw page of exactly the block size).
     *
     * @param src the input bytes
     * @param off where in the buffer the first byte goes
     * @param length the number of input bytes
     * @param compression the page compression
     * @throws IOException if reading or writing fails
     */
    public void writePage(byte[] src, int off, int length, Compression compression) throws IOException {
        checkOpen();
        if (compression == Compression.NONE ? length != blockSize : (length <= 0 || length >= blockSize)) {
            throw new IllegalArgumentException("a " + compression + " page of " + length + " bytes (block size "
                    + blockSize + ")");
        }
        checkPageAnnounced();
        if (data.remaining() < length) {
            flush();
        }
        long offset = dataEnd;
        data.put(src, off, length);
        dataEnd += length;
        addDescriptor(offset, length, compression.flag());
    }

    /**
     * The next dumpable page will not be written after all (it could not be read): the caller clears
     * its bit in the 2nd bitmap, so readers see it as not dumped; its descriptor slot stays unused at
     * the end of the table, as in a split file's table.
     */
    public void skipPage() {
        checkOpen();
        checkPageAnnounced();
        dumpablePages--;
    }

    /**
     * Appends the next dumpable page as a reference to the shared zero page.
     *
     * @throws IOException if reading or writing fails
     */
    public void writeZeroPage() throws IOException {
        checkOpen();
        if (zeroPageOffset < 0) {
            throw new IllegalStateException("this file has no shared zero page");
        }
        checkPageAnnounced();
        addDescriptor(zeroPageOffset, blockSize, 0);
    }

    private void addDescriptor(long offset, int size, int flags) throws IOException {
        int i = descriptors.position() / PageDescriptor.SIZE;
        descriptors.putLong(offset).putInt(size).putInt(flags).putLong(0);
        descriptorDataEnds[i] = offset + size;
        pagesAccepted++;
        if (!descriptors.hasRemaining()) {
            flush();
        }
    }

    /**
     * Writes the buffered descriptors, then the data they point to, in makedumpfile's order
     * (write_kdump_page): on a full disk the descriptor blocks are then already allocated, and
     * {@link #abort} only overwrites them. Both buffers are kept until both writes succeeded.
     */
    private void flush() throws IOException {
        guarded(() -> {
            if (descriptors.position() > 0) {
                sink.write(descriptorTableOffset + descriptorsWritten * PageDescriptor.SIZE,
                        descriptors.duplicate().flip());
            }
            if (data.position() > 0) {
                sink.write(dataBufferOffset, data.duplicate().flip());
            }
            descriptorsWritten += descriptors.position() / PageDescriptor.SIZE;
            descriptors.clear();
            dataBufferOffset = dataEnd;
            data.clear();
        });
    }

    /**
     * Completes the file: the remaining data and descriptors, then {@code eraseinfo} (copied from a
     * re-filtered input; may be empty) after the page data, recorded in the sub-header.
     *
     * @param eraseinfo the eraseinfo
     * @throws IllegalStateException if fewer pages were written than announced
     * @throws IOException if reading or writing fails
     */
    public void finish(byte[] eraseinfo) throws IOException {
        checkOpen();
        if (pagesAccepted != dumpablePages) {
            throw new IllegalStateException(pagesAccepted + " pages written, " + dumpablePages + " announced");
        }
        flush();
        if (eraseinfo.length > 0) {
            eraseinfoOffset = dataEnd;
            eraseinfoSize = eraseinfo.length;
            guarded(() -> sink.write(eraseinfoOffset, ByteBuffer.wrap(eraseinfo)));
            guarded(() -> sink.write(blockSize, encodeSubHeader()));
        }
        if (sink.canRewrite()) {
            guarded(() -> sink.write(0, ByteBuffer.wrap(headerBlock)));
        }
        guarded(sink::finish);
        finished = true;
    }

    /**
     * After a write failed: writes what can still be made consistent (buffered data page by page
     * until the sink refuses, and the descriptors of every page whose data is on disk), then marks
     * the header INCOMPLETE where the sink can rewrite. Best effort: failures here are added to
     * {@code cause} as suppressed exceptions.
     *
     * @param cause what found it
     * @return the number of pages readable from the file
     */
    public long abort(IOException cause) {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        finished = true;
        long committedDataEnd = salvageData(cause);
        int buffered = descriptors.position() / PageDescriptor.SIZE;
        int safe = 0;
        while (safe < buffered && descriptorDataEnds[safe] <= committedDataEnd) {
            safe++;
        }
        // the buffered descriptors may be on disk already (a flush fails after them): those whose data
        // did not make it become zero, which readers take for a page lost from an incomplete dump
        ByteBuffer out = descriptors.duplicate().flip();
        for (int i = safe * PageDescriptor.SIZE; i < out.limit(); i++) {
            out.put(i, (byte) 0);
        }
        try {
            if (out.hasRemaining()) {
                sink.write(descriptorTableOffset + descriptorsWritten * PageDescriptor.SIZE, out);
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
        descriptorsWritten += safe;
        descriptors.clear();
        if (sink.canRewrite()) {
            try {
                sink.write(0, ByteBuffer.wrap(incompleteHeader()));
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        return descriptorsWritten;
    }

    private byte[] incompleteHeader() {
        return KdumpHeaderCodec.markedIncomplete(headerBlock, header.layout(), order);
    }

    /** Writes the buffered data one page-sized piece at a time; returns the end of what reached the sink. */
    private long salvageData(IOException cause) {
        ByteBuffer pending = data.duplicate().flip();
        long at = dataBufferOffset;
        try {
            while (pending.hasRemaining()) {
                int n = Math.min(blockSize, pending.remaining());
                sink.write(at, pending.slice().limit(n));
                pending.position(pending.position() + n);
                at += n;
            }
        } catch (IOException e) {
            if (e != cause) {
                cause.addSuppressed(e);
            }
        }
        data.clear();
        return at;
    }

    /** Another page (written or skipped) must be one of those announced to {@link #start}. */
    private void checkPageAnnounced() {
        if (pagesAccepted >= dumpablePages) {
            throw new IllegalStateException("more pages than the " + dumpablePages + " announced");
        }
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("the writer has finished");
        }
        if (failed) {
            throw new IllegalStateException("a write failed: call abort");
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void guarded(IoAction action) throws IOException {
        try {
            action.run();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    private static long divideUp(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    public String toString() {
        return "KdumpWriter[" + sink.description() + ", " + pagesAccepted + "/" + dumpablePages + " pages]";
    }
}
