package org.vmcore4j.kdump;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.Architecture;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.elf.ElfNotes;

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
 * <p>Every count, offset and size is checked against the file size and fixed caps before it sizes
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
    private static final int HEADER_READ = HeaderLayout.LP64.headerSize();

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
        long fileSize = source.size();
        if (fileSize < HeaderLayout.ILP32_PACK.headerSize()) {
            throw error(0, "file of " + fileSize + " bytes is too short for a kdump header");
        }
        byte[] head = source.readBytes(0, (int) Math.min(fileSize, HEADER_READ));
        String signature = new String(head, 0, 8, StandardCharsets.ISO_8859_1);
        if (!DiskDumpHeader.isSignature(signature)) {
            throw error(0, "no kdump signature (found '" + printable(signature) + "')");
        }

        HeaderLayout chosen = null;
        ByteOrder chosenOrder = null;
        for (HeaderLayout l : new HeaderLayout[] {HeaderLayout.ILP32_PACK, HeaderLayout.LP64}) {
            if (head.length < l.headerSize()) {
                continue;
            }
            for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                ByteBuffer b = ByteBuffer.wrap(head).order(o);
                int bs = b.getInt(l.offBlockSize());
                long bb = Integer.toUnsignedLong(b.getInt(l.offBitmapBlocks()));
                long mm = Integer.toUnsignedLong(b.getInt(l.offMaxMapnr()));
                int sub = b.getInt(l.offSubHdrSize());
                int v = b.getInt(HeaderLayout.OFF_VERSION);
                // libkdumpfile's test (a page size, bitmaps covering max_mapnr), plus what a byte-swapped
                // or shifted reading rarely passes: a small version and bitmaps that end inside the file
                if (plausibleBlockSize(bs) && bb > 0 && 8L * bb * bs >= mm && v >= 0 && v <= MAX_HEADER_VERSION
                        && sub >= 0 && usedBitmapsEnd(sub, bb, bs, mm) <= fileSize) {
                    chosen = l;
                    chosenOrder = o;
                    break;
                }
            }
            if (chosen != null) {
                break;
            }
        }
        if (chosen == null) {
            HeaderLayoutDiagnosis.Reason why = HeaderLayoutDiagnosis.explain(head, fileSize,
                    KdumpFile::plausibleBlockSize, MAX_HEADER_VERSION);
            throw error(why.offset(), why.text());
        }
        this.order = chosenOrder;
        ByteBuffer h = ByteBuffer.wrap(head).order(order);
        DiskDumpHeader hdr = decodeHeader(h, chosen, signature);
        this.header = hdr;
        int version = hdr.headerVersion();
        if (version < 0) {
            throw error(HeaderLayout.OFF_VERSION, "negative header_version " + version);
        }
        long blockSize = hdr.blockSize();
        if (hdr.subHeaderBlocks() < 0 || (version >= 1 && hdr.subHeaderBlocks() == 0)) {
            throw error(chosen.offSubHdrSize(), "sub_hdr_size " + hdr.subHeaderBlocks()
                    + " leaves no room for the sub-header of header version " + version);
        }
        long bitmapOffset = (1 + (long) hdr.subHeaderBlocks()) * blockSize;
        long bitmapBytes = hdr.bitmapBlocks() * blockSize;
        if (bitmapOffset > fileSize) {
            throw error(chosen.offSubHdrSize(), "bitmaps at offset " + bitmapOffset + " start past the end of the file"
                    + " (size " + fileSize + ")");
        }
        this.storedBytes = source instanceof FlattenedSource f ? f.storedBytes() : fileSize;
        if (bitmapBytes > storedBytes + 2L * blockSize) {
            // only a flattened stream can place bitmaps in gaps; the bitmaps' bytes are written, but for
            // the unused end of each half's last block (a small dump's stream carries less than two blocks)
            throw error(chosen.offBitmapBlocks(), "bitmaps of " + bitmapBytes + " bytes exceed the " + storedBytes
                    + " bytes the flattened stream carries");
        }

        // the sub-header: for 32-bit writers, tell i386 ("pack") from ARM ("pad") as libkdumpfile does
        HeaderLayout lay = chosen;
        KdumpSubHeader sub = KdumpSubHeader.NONE;
        if (version >= 1) {
            int want = chosen.is64() ? HeaderLayout.LP64.subHeaderSize() : HeaderLayout.ILP32_PAD.subHeaderSize();
            ByteBuffer s = ByteBuffer.wrap(source.readBytes(blockSize, want)).order(order);
            if (!chosen.is64() && version >= 3) {
                long offVmci = s.getLong(HeaderLayout.ILP32_PACK.subOffsetVmcoreinfo());
                long sizeVmci = Integer.toUnsignedLong(s.getInt(HeaderLayout.ILP32_PACK.subSizeVmcoreinfo()));
                boolean pack = (offVmci == 0 && sizeVmci == 0)
                        || (Long.compareUnsigned(offVmci, blockSize) > 0 && offVmci > 0
                                && offVmci + sizeVmci <= bitmapOffset);
                lay = pack ? HeaderLayout.ILP32_PACK : HeaderLayout.ILP32_PAD;
            }
            sub = decodeSubHeader(s, lay, version);
        }
        this.layout = lay;
        this.subHeader = sub;

        long mapnr = version >= 6 ? sub.maxMapnr64() : hdr.maxMapnr();
        long subBase = blockSize;
        if (mapnr < 0) {
            throw error(subBase + lay.subMaxMapnr64(), "max_mapnr_64 " + Long.toUnsignedString(mapnr) + " is out of range");
        }
        long halfBlocks = hdr.bitmapBlocks() / 2;
        long halfBits = halfBlocks * blockSize * 8;
        boolean twoBitmaps = mapnr <= halfBits;
        if (!twoBitmaps && mapnr > bitmapBytes * 8) {
            throw error(version >= 6 ? subBase + lay.subMaxMapnr64() : chosen.offMaxMapnr(), "max_mapnr " + mapnr
                    + " exceeds the " + bitmapBytes * 8 + " frames the bitmap blocks can describe");
        }
        if (mapnr > MAX_FRAMES) {
            throw error(version >= 6 ? subBase + lay.subMaxMapnr64() : chosen.offMaxMapnr(), "max_mapnr " + mapnr
                    + " exceeds " + MAX_FRAMES + " frames, more than a 52-bit physical address space holds");
        }
        if (usedBitmapsEnd(hdr.subHeaderBlocks(), hdr.bitmapBlocks(), blockSize, mapnr) > fileSize) {
            throw error(chosen.offBitmapBlocks(), "the bitmaps (" + hdr.bitmapBlocks() + " blocks at offset "
                    + bitmapOffset + ", max_mapnr " + mapnr + ") end past the end of the file (size " + fileSize + ")");
        }
        this.maxMapnr = mapnr;

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
        this.startPfn = start;
        this.endPfn = end;

        if (twoBitmaps) {
            long halfBytes = halfBlocks * blockSize;
            this.memoryBitmap = PageBitmap.read(source, bitmapOffset, halfBytes, mapnr, false);
            this.dumpableBitmap = PageBitmap.read(source, bitmapOffset + halfBytes, halfBytes, mapnr, true);
        } else {
            // the old diskdump layout: one bitmap is both "RAM" and "dumped"
            this.dumpableBitmap = PageBitmap.read(source, bitmapOffset, bitmapBytes, mapnr, true);
            this.memoryBitmap = dumpableBitmap;
        }
        this.descriptorTableOffset = bitmapOffset + bitmapBytes;
        this.dataAreaOffset = descriptorTableOffset + PageDescriptor.SIZE * dumpableBitmap.cardinality();
        this.rankBase = dumpableBitmap.rank(start);

        // notes (v4+), VMCOREINFO (a note, or the v3 standalone copy), eraseinfo (v5+)
        byte[] blob = new byte[0];
        long noteOff = 0;
        if (version >= 4 && sub.sizeNote() != 0) {
            noteOff = sub.offsetNote();
            checkArea(noteOff, sub.sizeNote(), MAX_NOTE_BYTES, subBase + lay.subOffsetNote(), "note area");
            blob = source.readBytes(noteOff, (int) sub.sizeNote());
        }
        this.noteOffset = noteOff;
        this.noteBlob = blob;
        this.notes = ElfNotes.parse(blob, 0, blob.length, order, description, noteOff);
        VmcoreInfo info = null;
        for (Note n : notes) {
            if (n.name().equals("VMCOREINFO")) {
                info = VmcoreInfo.parse(n.descriptor(), description, n.descriptorOffset());
                break;
            }
        }
        if (info == null && version >= 3 && sub.sizeVmcoreinfo() != 0) {
            checkArea(sub.offsetVmcoreinfo(), sub.sizeVmcoreinfo(), VmcoreInfo.MAX_BYTES,
                    subBase + lay.subOffsetVmcoreinfo(), "VMCOREINFO");
            info = VmcoreInfo.parse(source.readBytes(sub.offsetVmcoreinfo(), (int) sub.sizeVmcoreinfo()), description,
                    sub.offsetVmcoreinfo());
        }
        this.vmcoreInfo = info;
        if (version >= 5 && sub.sizeEraseinfo() != 0) {
            checkArea(sub.offsetEraseinfo(), sub.sizeEraseinfo(), MAX_ERASEINFO_BYTES,
                    subBase + lay.subOffsetEraseinfo(), "eraseinfo");
            this.eraseinfoOffset = sub.offsetEraseinfo();
            this.eraseinfoSize = (int) sub.sizeEraseinfo();
        } else {
            this.eraseinfoOffset = 0;
            this.eraseinfoSize = 0;
        }
    }

    /**
     * Parses {@code source}; on success the file owns it and closes it. On failure the source is
     * left open for the caller to close.
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

    private static boolean plausibleBlockSize(int bs) {
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

    private static DiskDumpHeader decodeHeader(ByteBuffer h, HeaderLayout l, String signature) {
        String[] uts = new String[6];
        for (int i = 0; i < 6; i++) {
            int base = HeaderLayout.OFF_UTSNAME + i * HeaderLayout.UTS_FIELD_LENGTH;
            int n = 0;
            while (n < HeaderLayout.UTS_FIELD_LENGTH && h.get(base + n) != 0) {
                n++;
            }
            uts[i] = new String(h.array(), base, n, StandardCharsets.ISO_8859_1);
        }
        int ts = l.offTimestamp();
        long sec = l.is64() ? h.getLong(ts) : h.getInt(ts);
        long usec = l.is64() ? h.getLong(ts + 8) : h.getInt(ts + 4);
        int st = l.offStatus();
        return new DiskDumpHeader(signature, h.getInt(HeaderLayout.OFF_VERSION),
                new DiskDumpHeader.Utsname(uts[0], uts[1], uts[2], uts[3], uts[4], uts[5]), sec, usec,
                h.getInt(st), h.getInt(st + 4), h.getInt(st + 8), u32(h, st + 12), u32(h, st + 16),
                u32(h, st + 20), u32(h, st + 24), u32(h, st + 28), u32(h, st + 32), h.getInt(st + 36));
    }

    private static KdumpSubHeader decodeSubHeader(ByteBuffer s, HeaderLayout l, int v) {
        return new KdumpSubHeader(
                ulong(s, l.subPhysBase(), l),
                s.getInt(l.subDumpLevel()),
                v >= 2 ? s.getInt(l.subSplit()) : 0,
                v >= 2 ? ulong(s, l.subStartPfn(), l) : 0,
                v >= 2 ? ulong(s, l.subEndPfn(), l) : 0,
                v >= 3 ? s.getLong(l.subOffsetVmcoreinfo()) : 0,
                v >= 3 ? ulong(s, l.subSizeVmcoreinfo(), l) : 0,
                v >= 4 ? s.getLong(l.subOffsetNote()) : 0,
                v >= 4 ? ulong(s, l.subSizeNote(), l) : 0,
                v >= 5 ? s.getLong(l.subOffsetEraseinfo()) : 0,
                v >= 5 ? ulong(s, l.subSizeEraseinfo(), l) : 0,
                v >= 6 ? s.getLong(l.subStartPfn64()) : 0,
                v >= 6 ? s.getLong(l.subEndPfn64()) : 0,
                v >= 6 ? s.getLong(l.subMaxMapnr64()) : 0);
    }

    private static long u32(ByteBuffer b, int off) {
        return Integer.toUnsignedLong(b.getInt(off));
    }

    /** An {@code unsigned long} of the writer: 8 bytes on LP64, 4 zero-extended on ILP32. */
    private static long ulong(ByteBuffer b, int off, HeaderLayout l) {
        return l.is64() ? b.getLong(off) : Integer.toUnsignedLong(b.getInt(off));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    VmcoreFormatException error(long offset, String reason) {
        return new VmcoreFormatException(description, offset, reason);
    }

    /** The source the file is read from. */
    public RandomAccessSource source() {
        return source;
    }

    /** The file's name, for messages. */
    public String description() {
        return description;
    }

    public DiskDumpHeader header() {
        return header;
    }

    public KdumpSubHeader subHeader() {
        return subHeader;
    }

    /** The ABI the headers were found to be laid out for. */
    public HeaderLayout layout() {
        return layout;
    }

    /** Byte order of every multi-byte field (the crashed machine's). */
    public ByteOrder byteOrder() {
        return order;
    }

    /** Page size in bytes. */
    public int blockSize() {
        return header.blockSize();
    }

    /** Frames of the crashed machine: the full {@code max_mapnr} (v6 sub-header, else the header's). */
    public long maxMapnr() {
        return maxMapnr;
    }

    /** First PFN this file holds pages for: 0 unless it is part of a split set. */
    public long startPfn() {
        return startPfn;
    }

    /** One past the last PFN this file holds pages for: {@link #maxMapnr()} unless it is part of a split set. */
    public long endPfn() {
        return endPfn;
    }

    /** Whether the file is one part of a {@code --split} set. */
    public boolean isSplit() {
        return header.headerVersion() >= 2 && subHeader.split() != 0;
    }

    /** The 1st bitmap: frames that are RAM in the crashed machine (from its PT_LOADs). Whole machine, also in split files. */
    public PageBitmap memoryBitmap() {
        return memoryBitmap;
    }

    /** The 2nd bitmap: frames the dump holds (a subset of the memory bitmap). Whole machine, also in split files. */
    public PageBitmap dumpableBitmap() {
        return dumpableBitmap;
    }

    /** Whether the file has the old single-bitmap layout (memory and dumpable bitmaps are the same). */
    public boolean singleBitmap() {
        return memoryBitmap == dumpableBitmap;
    }

    /** File offset of the page descriptor table (block aligned). */
    public long descriptorTableOffset() {
        return descriptorTableOffset;
    }

    /** Where page data starts: right after one descriptor per dumpable frame of the whole machine (not aligned). */
    public long dataAreaOffset() {
        return dataAreaOffset;
    }

    /** File offset of the note area, 0 if the file has none. */
    public long noteOffset() {
        return noteOffset;
    }

    /** The note area exactly as stored (the vmcore's PT_NOTE, copied by makedumpfile); a copy. */
    public byte[] noteBlob() {
        return noteBlob.clone();
    }

    /** The notes of the note area, in file order. */
    public List<Note> notes() {
        return notes;
    }

    /** The VMCOREINFO note (or the v3 standalone copy), if present. */
    public Optional<VmcoreInfo> vmcoreInfo() {
        return Optional.ofNullable(vmcoreInfo);
    }

    /** Whether the header's INCOMPLETE flag is set. */
    public boolean incomplete() {
        return header.incomplete();
    }

    /** The eraseinfo text ({@code erase <symbol> size <n>} lines) if the file has any. */
    public Optional<byte[]> eraseInfo() throws IOException {
        if (eraseinfoSize == 0) {
            return Optional.empty();
        }
        return Optional.of(source.readBytes(eraseinfoOffset, eraseinfoSize));
    }

    /** The architecture, from the header's {@code utsname.machine} or else the size of an NT_PRSTATUS note. */
    public Optional<Architecture> architecture() {
        String m = header.utsname().machine();
        switch (m) {
            case "x86_64":
                return Optional.of(Architecture.X86_64);
            case "aarch64":
            case "arm64":
                return Optional.of(Architecture.AARCH64);
            case "i386":
            case "i486":
            case "i586":
            case "i686":
                return Optional.of(Architecture.X86);
            case "ppc64":
            case "ppc64le":
                return Optional.of(Architecture.PPC64);
            case "s390x":
                return Optional.of(Architecture.S390X);
            case "riscv64":
                return Optional.of(Architecture.RISCV64);
            default:
                break;
        }
        // no utsname (makedumpfile without VMCOREINFO): elf_prstatus sizes per architecture
        boolean le = order == ByteOrder.LITTLE_ENDIAN;
        for (Note n : notes) {
            if (n.is("CORE", Note.NT_PRSTATUS)) {
                switch (n.descriptor().length) {
                    case 336:
                        return Optional.of(le ? Architecture.X86_64 : Architecture.S390X);
                    case 392:
                        return le ? Optional.of(Architecture.AARCH64) : Optional.empty();
                    case 144:
                        return le ? Optional.of(Architecture.X86) : Optional.empty();
                    case 504:
                        return Optional.of(Architecture.PPC64);
                    default:
                        return Optional.empty();
                }
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
