package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Utsname;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.codec.Compression;

/**
 * The two headers of a kdump-compressed file, {@code disk_dump_header} (block 0) and
 * {@code kdump_sub_header} (block 1), in both directions: {@link #read} finds the layout and byte
 * order a file was written with and decodes the fields its header version has; {@link #encodeHeader}
 * and {@link #encodeSubHeader} write version 6 as makedumpfile 1.7.9 does. Field offsets come from
 * {@link HeaderLayout}; a field of the writer's {@code unsigned long} is 8 bytes on LP64 and 4 on ILP32.
 */
final class KdumpHeaderCodec {
    /** {@code DISKDUMP_HEADER_BLOCKS}: the main header takes one block. */
    static final int HEADER_BLOCKS = 1;
    /** The header version written: 6, the one with 64-bit max_mapnr and split PFNs. */
    static final int VERSION_WRITTEN = 6;
    private static final int HEADER_READ = HeaderLayout.LP64.headerSize();

    /** Both headers of a file as read, with the layout and byte order they were found in. */
    record Decoded(HeaderLayout layout, ByteOrder order, DiskDumpHeader header, KdumpSubHeader subHeader) {
    }

    private KdumpHeaderCodec() {
    }

    // ---- reading ----------------------------------------------------------------------------------

    /**
     * Reads and checks both headers of {@code source}: signature, layout and byte order, header
     * version, and that the sub-header and bitmaps lie inside the file ({@code storedBytes}: the
     * bytes a flattened stream carries, else the file size).
     */
    static Decoded read(RandomAccessSource source, long storedBytes) throws IOException {
        String description = source.description();
        long fileSize = source.size();
        if (fileSize < HeaderLayout.ILP32_PACK.headerSize()) {
            throw error(description, 0, "file of " + fileSize + " bytes is too short for a kdump header");
        }
        byte[] head = source.readBytes(0, (int) Math.min(fileSize, HEADER_READ));
        String signature = new String(head, 0, 8, StandardCharsets.ISO_8859_1);
        if (!DiskDumpHeader.isSignature(signature)) {
            throw error(description, 0, "no kdump signature (found '" + printable(signature) + "')");
        }

        Decoded found = findLayout(head, fileSize, description);
        HeaderLayout chosen = found.layout();
        ByteOrder order = found.order();
        ByteBuffer h = ByteBuffer.wrap(head).order(order);
        DiskDumpHeader hdr = decodeHeader(h, chosen, signature);
        int version = hdr.headerVersion();
        if (version < 0) {
            throw error(description, HeaderLayout.OFF_VERSION, "negative header_version " + version);
        }
        long blockSize = hdr.blockSize();
        if (hdr.subHeaderBlocks() < 0 || (version >= 1 && hdr.subHeaderBlocks() == 0)) {
            throw error(description, chosen.offSubHdrSize(), "sub_hdr_size " + hdr.subHeaderBlocks()
                    + " leaves no room for the sub-header of header version " + version);
        }
        long bitmapOffset = (1 + (long) hdr.subHeaderBlocks()) * blockSize;
        long bitmapBytes = hdr.bitmapBlocks() * blockSize;
        if (bitmapOffset > fileSize) {
            throw error(description, chosen.offSubHdrSize(), "bitmaps at offset " + bitmapOffset
                    + " start past the end of the file (size " + fileSize + ")");
        }
        if (bitmapBytes > storedBytes + 2L * blockSize) {
            // only a flattened stream can place bitmaps in gaps; the bitmaps' bytes are written, but for
            // the unused end of each half's last block (a small dump's stream carries less than two blocks)
            throw error(description, chosen.offBitmapBlocks(), "bitmaps of " + bitmapBytes + " bytes exceed the "
                    + storedBytes + " bytes the flattened stream carries");
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
        return new Decoded(lay, order, hdr, sub);
    }

    /**
     * The layout and byte order of the header in {@code head}, tried as libkdumpfile tries them
     * (32-bit before 64-bit, little before big endian); the returned headers are null.
     */
    private static Decoded findLayout(byte[] head, long fileSize, String description) throws VmcoreFormatException {
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
                if (KdumpFile.plausibleBlockSize(bs) && bb > 0 && 8L * bb * bs >= mm && v >= 0
                        && v <= KdumpFile.MAX_HEADER_VERSION && sub >= 0 && KdumpFile.usedBitmapsEnd(sub, bb, bs, mm) <= fileSize) {
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
                    KdumpFile::plausibleBlockSize, KdumpFile.MAX_HEADER_VERSION);
            throw error(description, why.offset(), why.text());
        }
        return new Decoded(chosen, chosenOrder, null, null);
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
                new Utsname(uts[0], uts[1], uts[2], uts[3], uts[4], uts[5]), sec, usec,
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

    private static VmcoreFormatException error(String description, long offset, String reason) {
        return new VmcoreFormatException(description, offset, reason);
    }

    // ---- writing ----------------------------------------------------------------------------------

    /**
     * The {@code disk_dump_header} of a file, version {@value #VERSION_WRITTEN}, with the INCOMPLETE
     * flag clear.
     *
     * @param subHeaderBlocks blocks of sub-header and notes
     * @param bitmapBlocks    blocks of both bitmaps together
     */
    static byte[] encodeHeader(KdumpOutputHeader header, long subHeaderBlocks, long bitmapBlocks) {
        HeaderLayout l = header.layout();
        int blockSize = header.blockSize();
        ByteBuffer b = ByteBuffer.allocate(l.headerSize()).order(header.byteOrder());
        // LZ4 pages would be misread by every other tool: such a file gets a signature they refuse
        String signature = header.compression() == Compression.LZ4 ? DiskDumpHeader.LZ4_SIGNATURE
                : DiskDumpHeader.KDUMP_SIGNATURE;
        b.put(HeaderLayout.OFF_SIGNATURE, signature.getBytes(StandardCharsets.US_ASCII));
        b.putInt(HeaderLayout.OFF_VERSION, VERSION_WRITTEN);
        b.put(HeaderLayout.OFF_UTSNAME, header.utsname());
        putLong(b, l.offTimestamp(), header.timestampSeconds(), l.pointerSize());
        putLong(b, l.offTimestamp() + l.pointerSize(), header.timestampMicros(), l.pointerSize());
        int status = header.compression().flag();
        if (header.excludedVmemmap()) {
            status |= DiskDumpHeader.STATUS_EXCLUDED_VMEMMAP;
        }
        b.putInt(l.offStatus(), status);
        b.putInt(l.offBlockSize(), blockSize);
        b.putInt(l.offSubHdrSize(), (int) subHeaderBlocks);
        b.putInt(l.offBitmapBlocks(), (int) bitmapBlocks);
        b.putInt(l.offMaxMapnr(), (int) Math.min(header.maxMapnr(), 0xFFFF_FFFFL));
        // total_ram_blocks, device_blocks, written_blocks, current_cpu stay 0, as makedumpfile leaves them
        b.putInt(l.offStatus() + 36, header.nrCpus());
        return b.array();
    }

    /**
     * The {@code kdump_sub_header} of a file, version {@value #VERSION_WRITTEN}: the notes follow it
     * in the same block run; {@code eraseinfoSize} 0 where the file has no eraseinfo (yet).
     */
    static ByteBuffer encodeSubHeader(KdumpOutputHeader header, long eraseinfoOffset, long eraseinfoSize) {
        HeaderLayout l = header.layout();
        int ps = l.pointerSize();
        ByteBuffer b = ByteBuffer.allocate(l.subHeaderSize()).order(header.byteOrder());
        putLong(b, l.subPhysBase(), header.physBase(), ps);
        b.putInt(l.subDumpLevel(), header.dumpLevel());
        PfnRange split = header.split();
        if (split != null) {
            b.putInt(l.subSplit(), 1);
            // the word-sized fields may truncate; the 64-bit ones carry the full values
            putLong(b, l.subStartPfn(), Math.min(split.start(), 0xFFFF_FFFFL), ps);
            putLong(b, l.subEndPfn(), Math.min(split.end(), 0xFFFF_FFFFL), ps);
            b.putLong(l.subStartPfn64(), split.start());
            b.putLong(l.subEndPfn64(), split.end());
        }
        long noteOffset = noteOffset(header);
        if (header.notes().length > 0) {
            b.putLong(l.subOffsetNote(), noteOffset);
            putLong(b, l.subSizeNote(), header.notes().length, ps);
            if (header.vmcoreinfoOffset() >= 0) {
                b.putLong(l.subOffsetVmcoreinfo(), noteOffset + header.vmcoreinfoOffset());
                putLong(b, l.subSizeVmcoreinfo(), header.vmcoreinfoSize(), ps);
            }
        }
        if (eraseinfoSize > 0) {
            b.putLong(l.subOffsetEraseinfo(), eraseinfoOffset);
            putLong(b, l.subSizeEraseinfo(), eraseinfoSize, ps);
        }
        b.putLong(l.subMaxMapnr64(), header.maxMapnr());
        return b;
    }

    /** File offset of the notes: right after the sub-header. */
    static long noteOffset(KdumpOutputHeader header) {
        return (long) HEADER_BLOCKS * header.blockSize() + header.layout().subHeaderSize();
    }

    /** Stores an {@code unsigned long} of the writer: 8 bytes, or the low 4 on ILP32. */
    private static void putLong(ByteBuffer b, int off, long value, int size) {
        if (size == 8) {
            b.putLong(off, value);
        } else {
            b.putInt(off, (int) value);
        }
    }

    /** A copy of an encoded {@code disk_dump_header} with {@link DiskDumpHeader#STATUS_INCOMPLETE} set. */
    static byte[] markedIncomplete(byte[] headerBlock, HeaderLayout layout, ByteOrder order) {
        byte[] marked = headerBlock.clone();
        ByteBuffer b = ByteBuffer.wrap(marked).order(order);
        int at = layout.offStatus();
        b.putInt(at, b.getInt(at) | DiskDumpHeader.STATUS_INCOMPLETE);
        return marked;
    }
}
