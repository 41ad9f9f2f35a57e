package org.vmcore4j.kdump;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.internal.Notes;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * One kdump-compressed file as makedumpfile writes it (a whole dump, or one part of a
 * {@code --split} set), parsed and validated but not yet interpreted as memory: header, sub-header,
 * note blob, both bitmaps and the page descriptor table. {@link KdumpVmcore} reads memory through
 * it; a re-filtering writer copies from it.
 *
 * <p>Layout (block = page size): header in block 0, sub-header and notes from block 1 for
 * {@code sub_hdr_size} blocks, then {@code bitmap_blocks} blocks holding the memory bitmap and the
 * dumpable bitmap, then one 24-byte descriptor per dumpable frame, then page data. Byte order and
 * ABI are not recorded in the file; they are found as libkdumpfile does, by trying the 32-bit and
 * 64-bit layouts in little and big endian until {@code block_size} is a page size and the bitmaps
 * can hold {@code max_mapnr} frames.
 *
 * <p>{@link KdumpHeaderCodec} reads the two headers; this class checks what they point to.
 * Every count, offset and size is checked against the file size and fixed caps before it sizes
 * an allocation or a loop; a defect is a {@link VmcoreFormatException} naming the file and offset.
 * Thread-safe; owns its source.
 */
public final class KdumpFile implements Closeable {
    /** Smallest and largest block (page) size accepted. */
    static final int MIN_BLOCK_SIZE = 512;
    static final int MAX_BLOCK_SIZE = 1 << 20;
    /** Cap on the note area; real ones are a few KiB to a few MiB (one NT_PRSTATUS per CPU, VMCOREINFO, device dumps). */
    public static final int MAX_NOTE_BYTES = 16 << 20;
    /** Cap on eraseinfo text (a line per erased symbol). */
    public static final int MAX_ERASEINFO_BYTES = 16 << 20;
    /** Cap on {@code max_mapnr}: 2^40 frames is a 52-bit physical address space of 4 KiB pages. */
    public static final long MAX_FRAMES = 1L << 40;
    /** Larger than any version written (6 today); a byte-swapped version is in the millions. */
    static final int MAX_HEADER_VERSION = 1024;

    private final RandomAccessSource source;
    private final String description;
    private final HeaderLayout layout;
    private final ByteOrder order;
    private final DiskDumpHeader header;
    private final KdumpSubHeader subHeader;
    private final long maxMapnr;
    private final long startPfn;
    private final long endPfn;
    private final PageBitmap memoryBitmap;
    private final PageBitmap dumpableBitmap;
    private final long descriptorTableOffset;
    private final long dataAreaOffset;
    private final long rankBase;
    private final long noteOffset;
    private final byte[] noteBlob;
    private final List<Note> notes;
    private final VmcoreInfo vmcoreInfo;
    private final long storedBytes;
    private final long eraseinfoOffset;
    private final int eraseinfoSize;

    private KdumpFile(RandomAccessSource source) throws IOException {
        this.source = source;
        this.description = source.description();
        this.storedBytes = source instanceof FlattenedSource f ? f.storedBytes() : source.size();
        KdumpHeaderCodec.Decoded headers = KdumpHeaderCodec.read(source, storedBytes);
        this.layout = headers.layout();
        this.order = headers.order();
        this.header = headers.header();
        this.subHeader = headers.subHeader();
        this.maxMapnr = checkedMaxMapnr();
        long[] range = pfnRange();
        this.startPfn = range[0];
        this.endPfn = range[1];
        long bitmapOffset = (1 + (long) header.subHeaderBlocks()) * header.blockSize();
        long bitmapBytes = header.bitmapBlocks() * header.blockSize();
        if (twoBitmaps()) {
            long halfBytes = header.bitmapBlocks() / 2 * header.blockSize();
            this.memoryBitmap = PageBitmap.read(source, bitmapOffset, halfBytes, maxMapnr, false);
            this.dumpableBitmap = PageBitmap.read(source, bitmapOffset + halfBytes, halfBytes, maxMapnr, true);
        } else {
            // the old diskdump layout: one bitmap is both "RAM" and "dumped"
            this.dumpableBitmap = PageBitmap.read(source, bitmapOffset, bitmapBytes, maxMapnr, true);
            this.memoryBitmap = dumpableBitmap;
        }
        this.descriptorTableOffset = bitmapOffset + bitmapBytes;
        this.dataAreaOffset = descriptorTableOffset + PageDescriptor.SIZE * dumpableBitmap.cardinality();
        this.rankBase = dumpableBitmap.rank(startPfn);
        // notes (v4+), VMCOREINFO (a note, or the v3 standalone copy), eraseinfo (v5+)
        boolean hasNotes = header.headerVersion() >= 4 && subHeader.sizeNote() != 0;
        this.noteOffset = hasNotes ? subHeader.offsetNote() : 0;
        this.noteBlob = hasNotes ? readArea(subHeader.offsetNote(), subHeader.sizeNote(), MAX_NOTE_BYTES,
                layout.subOffsetNote(), "note area") : new byte[0];
        this.notes = List.copyOf(Notes.parse(noteBlob, 0, noteBlob.length, order, description, noteOffset));
        this.vmcoreInfo = findVmcoreInfo();
        if (header.headerVersion() >= 5 && subHeader.sizeEraseinfo() != 0) {
            checkArea(subHeader.offsetEraseinfo(), subHeader.sizeEraseinfo(), MAX_ERASEINFO_BYTES,
                    header.blockSize() + layout.subOffsetEraseinfo(), "eraseinfo");
            this.eraseinfoOffset = subHeader.offsetEraseinfo();
            this.eraseinfoSize = (int) subHeader.sizeEraseinfo();
        } else {
            this.eraseinfoOffset = 0;
            this.eraseinfoSize = 0;
        }
    }

    /** Whether the bitmap blocks hold two bitmaps (memory, dumpable) of max_mapnr bits each. */
    private boolean twoBitmaps() {
        return maxMapnr <= header.bitmapBlocks() / 2 * header.blockSize() * 8;
    }

    /** {@code max_mapnr}: the v6 sub-header's, else the header's; checked against the bitmaps and the cap. */
    private long checkedMaxMapnr() throws VmcoreFormatException {
        int version = header.headerVersion();
        long blockSize = header.blockSize();
        long bitmapBytes = header.bitmapBlocks() * blockSize;
        long mapnr = version >= 6 ? subHeader.maxMapnr64() : header.maxMapnr();
        long subBase = blockSize;
        HeaderLayout lay = layout;
        if (mapnr < 0) {
            throw error(subBase + lay.subMaxMapnr64(), "max_mapnr_64 " + Long.toUnsignedString(mapnr)
                    + " is out of range");
        }
        long halfBlocks = header.bitmapBlocks() / 2;
        long halfBits = halfBlocks * blockSize * 8;
        boolean twoBitmaps = mapnr <= halfBits;
        if (!twoBitmaps && mapnr > bitmapBytes * 8) {
            throw error(version >= 6 ? subBase + lay.subMaxMapnr64() : lay.offMaxMapnr(), "max_mapnr " + mapnr
                    + " exceeds the " + bitmapBytes * 8 + " frames the bitmap blocks can describe");
        }
        if (mapnr > MAX_FRAMES) {
            throw error(version >= 6 ? subBase + lay.subMaxMapnr64() : lay.offMaxMapnr(), "max_mapnr " + mapnr
                    + " exceeds " + MAX_FRAMES + " frames, more than a 52-bit physical address space holds");
        }
        long fileSize = source.size();
        if (usedBitmapsEnd(header.subHeaderBlocks(), header.bitmapBlocks(), blockSize, mapnr) > fileSize) {
            throw error(lay.offBitmapBlocks(), "the bitmaps (" + header.bitmapBlocks() + " blocks at offset "
                    + (1 + (long) header.subHeaderBlocks()) * blockSize + ", max_mapnr " + mapnr
                    + ") end past the end of the file (size " + fileSize + ")");
        }
        return mapnr;
    }

    /** {@code [start, end)} of the frames this file holds pages for: a split file's range, else all. */
    private long[] pfnRange() throws VmcoreFormatException {
        int version = header.headerVersion();
        KdumpSubHeader sub = subHeader;
        long mapnr = maxMapnr;
        long subBase = header.blockSize();
        HeaderLayout lay = layout;
        long start = 0;
        long end = mapnr;
        if (version >= 2 && sub.split() != 0) {
            start = version >= 6 ? sub.startPfn64() : sub.startPfn();
            end = version >= 6 ? sub.endPfn64() : sub.endPfn();
            if (start < 0 || end < start || end > mapnr) {
                throw error(subBase + (version >= 6 ? lay.subStartPfn64() : lay.subStartPfn()), "split file range [" 
                        + Long.toUnsignedString(start) + ", " + Long.toUnsignedString(end)
                        + ") is not inside [0, max_mapnr " + mapnr + ")");
            }
        }
        return new long[] {start, end};
    }

    /** The VMCOREINFO note, else (v3+) the sub-header's standalone copy; null if neither. */
    private VmcoreInfo findVmcoreInfo() throws IOException {
        for (Note n : notes) {
            if (n.name().equals("VMCOREINFO")) {
                return VmcoreInfo.parse(n.descriptor(), description, n.descriptorOffset());
            }
        }
        KdumpSubHeader sub = subHeader;
        if (header.headerVersion() >= 3 && sub.sizeVmcoreinfo() != 0) {
            return VmcoreInfo.parse(readArea(sub.offsetVmcoreinfo(), sub.sizeVmcoreinfo(), VmcoreInfo.MAX_BYTES,
                    layout.subOffsetVmcoreinfo(), "VMCOREINFO"), description, sub.offsetVmcoreinfo());
        }
        return null;
    }

    /** The bytes of an area the sub-header points to, checked first; {@code subField}: the pointing field. */
    private byte[] readArea(long off, long len, long cap, int subField, String what) throws IOException {
        checkArea(off, len, cap, header.blockSize() + subField, what);
        return source.readBytes(off, (int) len);
    }

    /**
     * Parses {@code source}; on success the file owns it and closes it. On failure the source is
     * left open for the caller to close.
     *
     * @param source the bytes to read
     * @return the kdump file
     * @throws IOException if reading or writing fails
     */
    public static KdumpFile open(RandomAccessSource source) throws IOException {
        return new KdumpFile(source);
    }

    /**
     * Where the bitmap bytes a reader uses end: the 2nd bitmap's first {@code ceil(max_mapnr / 8)}
     * bytes (the 1st's with one bitmap block). The rest of each half's last block may be missing from
     * the file: makedumpfile writes only the bytes a cycle fills, and a dump without pages has nothing
     * after its bitmaps (libkdumpfile reads such a file).
     */
    static long usedBitmapsEnd(long subHeaderBlocks, long bitmapBlocks, long blockSize, long maxMapnr) {
        return (1 + subHeaderBlocks + bitmapBlocks / 2) * blockSize + (maxMapnr + 7) / 8;
    }

    static boolean plausibleBlockSize(int bs) {
        return bs >= MIN_BLOCK_SIZE && bs <= MAX_BLOCK_SIZE && Integer.bitCount(bs) == 1;
    }

    private void checkArea(long off, long len, long cap, long fieldOffset, String what) throws VmcoreFormatException {
        if (len < 0 || len > cap) {
            throw error(fieldOffset, what + " size " + Long.toUnsignedString(len) + " exceeds the " + cap + "-byte limit");
        }
        if (len > storedBytes) {
            throw error(fieldOffset, what + " size " + len + " exceeds the " + storedBytes + " bytes the stream carries");
        }
        if (off <= 0 || off > source.size() || len > source.size() - off) {
            throw error(fieldOffset, what + " of " + len + " bytes at offset " + Long.toUnsignedString(off)
                    + " lies outside the file (size " + source.size() + ")");
        }
    }

    VmcoreFormatException error(long offset, String reason) {
        return new VmcoreFormatException(description, offset, reason);
    }

    /** {@return the source the file is read from} */
    public RandomAccessSource source() {
        return source;
    }

    /** {@return the file's name, for messages} */
    public String description() {
        return description;
    }

    /** {@return the file's main header} */
    public DiskDumpHeader header() {
        return header;
    }

    /** {@return the file's kdump sub-header} */
    public KdumpSubHeader subHeader() {
        return subHeader;
    }

    /** {@return the ABI the headers were found to be laid out for} */
    public HeaderLayout layout() {
        return layout;
    }

    /** {@return the byte order}. Byte order of every multi-byte field (the crashed machine's). */
    public ByteOrder byteOrder() {
        return order;
    }

    /** {@return page size in bytes} */
    public int blockSize() {
        return header.blockSize();
    }

    /**
     * {@return frames of the crashed machine: the full {@code max_mapnr} (v6 sub-header, else the
     * header's)}
     */
    public long maxMapnr() {
        return maxMapnr;
    }

    /** {@return first PFN this file holds pages for: 0 unless it is part of a split set} */
    public long startPfn() {
        return startPfn;
    }

    /**
     * {@return one past the last PFN this file holds pages for: {@link #maxMapnr()} unless it is part
     * of a split set}
     */
    public long endPfn() {
        return endPfn;
    }

    /** {@return whether the file is one part of a {@code --split} set} */
    public boolean isSplit() {
        return header.headerVersion() >= 2 && subHeader.split() != 0;
    }

    /**
     * {@return the 1st bitmap: frames that are RAM in the crashed machine (from its PT_LOADs). Whole
     * machine, also in split files}
     */
    public PageBitmap memoryBitmap() {
        return memoryBitmap;
    }

    /**
     * {@return the 2nd bitmap: frames the dump holds (a subset of the memory bitmap). Whole machine,
     * also in split files}
     */
    public PageBitmap dumpableBitmap() {
        return dumpableBitmap;
    }

    /**
     * {@return whether the file has the old single-bitmap layout (memory and dumpable bitmaps are the
     * same)}
     */
    public boolean singleBitmap() {
        return memoryBitmap == dumpableBitmap;
    }

    /** {@return file offset of the page descriptor table (block aligned)} */
    public long descriptorTableOffset() {
        return descriptorTableOffset;
    }

    /**
     * {@return where page data starts: right after one descriptor per dumpable frame of the whole
     * machine (not aligned)}
     */
    public long dataAreaOffset() {
        return dataAreaOffset;
    }

    /** {@return file offset of the note area, 0 if the file has none} */
    public long noteOffset() {
        return noteOffset;
    }

    /** {@return the note area exactly as stored (the vmcore's PT_NOTE, copied by makedumpfile); a copy} */
    public byte[] noteBlob() {
        return noteBlob.clone();
    }

    /** {@return the notes of the note area, in file order} */
    public List<Note> notes() {
        return notes;
    }

    /** {@return the VMCOREINFO note (or the v3 standalone copy), if present} */
    public Optional<VmcoreInfo> vmcoreInfo() {
        return Optional.ofNullable(vmcoreInfo);
    }

    /** {@return whether the header's INCOMPLETE flag is set} */
    public boolean incomplete() {
        return header.incomplete();
    }

    /**
     * The eraseinfo text ({@code erase <symbol> size <n>} lines) if the file has any.
     *
     * @return the eraseinfo text ({@code erase <symbol> size <n>} lines) if the file has any
     * @throws IOException if reading or writing fails
     */
    public Optional<byte[]> eraseInfo() throws IOException {
        if (eraseinfoSize == 0) {
            return Optional.empty();
        }
        return Optional.of(source.readBytes(eraseinfoOffset, eraseinfoSize));
    }

    /**
     * {@return the architecture, from the header's {@code utsname.machine} or else the size of an
     * NT_PRSTATUS note}
     */
    public Optional<Architecture> architecture() {
        Optional<Architecture> named = Architecture.fromUtsMachine(header.utsname().machine());
        if (named.isPresent()) {
            return named;
        }
        // no utsname (makedumpfile without VMCOREINFO): the size of the CPUs' elf_prstatus tells
        for (Note n : notes) {
            if (n.is("CORE", Note.NT_PRSTATUS)) {
                return Architecture.fromPrStatusSize(n.descriptor().length, order);
            }
        }
        return Optional.empty();
    }

    /** File offset of frame {@code pfn}'s descriptor; the frame must be dumpable and inside this file's range. */
    long descriptorPosition(long pfn) throws IOException {
        return descriptorTableOffset + (dumpableBitmap.rank(pfn) - rankBase) * PageDescriptor.SIZE;
    }

    /**
     * The descriptor of frame {@code pfn}, or empty if the frame is not dumpable, outside this file's
     * PFN range, or its descriptor lies past the end of a truncated file.
     *
     * @param pfn a page frame number
     * @return the descriptor of frame {@code pfn}, or empty if the frame is not dumpable, outside
     *         this file's PFN range, or its descriptor lies past the end of a truncated file
     * @throws IOException if reading or writing fails
     */
    public Optional<PageDescriptor> descriptor(long pfn) throws IOException {
        if (pfn < startPfn || pfn >= endPfn || !dumpableBitmap.get(pfn)) {
            return Optional.empty();
        }
        long pos = descriptorPosition(pfn);
        if (pos + PageDescriptor.SIZE > source.size()) {
            return Optional.empty();
        }
        ByteBuffer d = ByteBuffer.wrap(source.readBytes(pos, PageDescriptor.SIZE)).order(order);
        return Optional.of(new PageDescriptor(d.getLong(0), d.getInt(8), d.getInt(12), d.getLong(16)));
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    @Override
    public String toString() {
        return "KdumpFile(" + description + ", v" + header.headerVersion() + " " + layout + " " + order
                + ", block " + header.blockSize() + ", max_mapnr " + maxMapnr + ", pfns [" + startPfn + ", " + endPfn + "))";
    }
}
