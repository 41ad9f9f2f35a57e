package org.vmcore4j.testdata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds small kdump-compressed files byte by byte from the published layout (FORMATS.md section 1),
 * independently of vmcore4j's reader and writer: a 64-bit little-endian x86_64 file of header
 * version 6, raw (uncompressed) pages, optional notes, optionally one part of a split set (both
 * whole bitmaps, the descriptors and pages of its range, as makedumpfile's --split writes a part),
 * with the header fields a test wants to break set by hand.
 *
 * <p>Layout: header block; sub-header block(s) followed by the notes; the two bitmaps; one 24-byte
 * descriptor per dumpable page; the pages.
 */
public final class KdumpFileBuilder {
    private static final int SUB_HEADER_SIZE = 104;
    private final int blockSize;
    private final long maxMapnr;
    private final boolean[] ram;
    private final Map<Long, byte[]> pages = new TreeMap<>();
    private String release = "6.1.0-fixture";
    private String vmcoreinfo;
    private int prstatusNotes;
    private long splitStart = -1;
    private long splitEnd = -1;
    private Long bitmapBlocksOverride;

    private KdumpFileBuilder(int blockSize, long maxMapnr) {
        if (maxMapnr > 1 << 20) {
            throw new IllegalArgumentException("a fixture of at most 2^20 frames: " + maxMapnr);
        }
        this.blockSize = blockSize;
        this.maxMapnr = maxMapnr;
        this.ram = new boolean[(int) maxMapnr];
    }

    /** A dump of {@code maxMapnr} frames of 4096 bytes, none of them RAM yet. */
    public static KdumpFileBuilder x86_64(long maxMapnr) {
        return new KdumpFileBuilder(4096, maxMapnr);
    }

    /** Marks {@code pfn} RAM and stores {@code bytes} (one page) for it. */
    public KdumpFileBuilder page(long pfn, byte[] bytes) {
        if (bytes.length != blockSize) {
            throw new IllegalArgumentException("a page is " + blockSize + " bytes");
        }
        ram[(int) pfn] = true;
        pages.put(pfn, bytes.clone());
        return this;
    }

    /** Marks {@code pfn} RAM that the dump leaves out (excluded). */
    public KdumpFileBuilder excluded(long pfn) {
        ram[(int) pfn] = true;
        pages.remove(pfn);
        return this;
    }

    /** The header's {@code utsname.release}. */
    public KdumpFileBuilder release(String r) {
        this.release = r;
        return this;
    }

    /** Adds a VMCOREINFO note holding {@code text} (none by default). */
    public KdumpFileBuilder vmcoreinfo(String text) {
        this.vmcoreinfo = text;
        return this;
    }

    /** Adds {@code n} empty x86_64 NT_PRSTATUS notes. */
    public KdumpFileBuilder prstatusNotes(int n) {
        this.prstatusNotes = n;
        return this;
    }

    /** Builds the file as the part of a split set holding frames {@code [start, end)}. */
    public KdumpFileBuilder splitPart(long start, long end) {
        this.splitStart = start;
        this.splitEnd = end;
        return this;
    }

    /** Writes {@code bitmap_blocks} as given instead of the size the bitmaps take. */
    public KdumpFileBuilder bitmapBlocks(long blocks) {
        this.bitmapBlocksOverride = blocks;
        return this;
    }

    private byte[] notes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < prstatusNotes; i++) {
            byte[] desc = new byte[336];
            ByteBuffer.wrap(desc).order(ByteOrder.LITTLE_ENDIAN).putInt(32, 100 + i); // pr_pid
            note(out, "CORE", 1, desc);
        }
        if (vmcoreinfo != null) {
            note(out, "VMCOREINFO", 0, vmcoreinfo.getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    private static void note(ByteArrayOutputStream out, String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(n.length).putInt(desc.length).putInt(type);
        out.writeBytes(h.array());
        out.writeBytes(Arrays.copyOf(n, (n.length + 3) & ~3));
        out.writeBytes(Arrays.copyOf(desc, (desc.length + 3) & ~3));
    }

    public byte[] build() {
        boolean split = splitStart >= 0;
        long from = split ? splitStart : 0;
        long to = split ? splitEnd : maxMapnr;
        byte[] notes = notes();
        int subBlocks = (SUB_HEADER_SIZE + notes.length + blockSize - 1) / blockSize;
        long halfBytes = Math.max(1, ((maxMapnr + 7) / 8 + blockSize - 1) / blockSize) * blockSize;
        long bitmapOffset = (1L + subBlocks) * blockSize;
        long descOffset = bitmapOffset + 2 * halfBytes;
        long stored = pages.keySet().stream().filter(p -> p >= from && p < to).count();
        // the descriptor table has room for every dumpable page of the set, as in every part
        long dataOffset = descOffset + 24L * pages.size();
        ByteBuffer f = ByteBuffer.allocate(Math.toIntExact(dataOffset + stored * blockSize))
                .order(ByteOrder.LITTLE_ENDIAN);
        f.put(0, "KDUMP   ".getBytes(StandardCharsets.ISO_8859_1));
        f.putInt(8, 6); // header_version
        String[] uts = {"Linux", "fixture", release, "#1 SMP", "x86_64", "(none)"};
        for (int i = 0; i < uts.length; i++) {
            f.put(12 + 65 * i, uts[i].getBytes(StandardCharsets.ISO_8859_1));
        }
        f.putLong(408, 1_700_000_000L); // timestamp.tv_sec
        f.putInt(428, blockSize);
        f.putInt(432, subBlocks);
        f.putInt(436, (int) (bitmapBlocksOverride != null ? bitmapBlocksOverride : 2 * halfBytes / blockSize));
        f.putInt(440, (int) maxMapnr);
        f.putInt(460, prstatusNotes);
        int sub = blockSize;
        f.putInt(sub + 8, 0); // dump_level
        f.putInt(sub + 12, split ? 1 : 0);
        f.putLong(sub + 16, split ? from : 0);
        f.putLong(sub + 24, split ? to : 0);
        long noteOffset = blockSize + SUB_HEADER_SIZE;
        if (vmcoreinfo != null) {
            int text = notes.length - ((vmcoreinfo.length() + 3) & ~3);
            f.putLong(sub + 32, noteOffset + text);
            f.putLong(sub + 40, vmcoreinfo.length());
        }
        f.putLong(sub + 48, noteOffset);
        f.putLong(sub + 56, notes.length);
        f.putLong(sub + 80, split ? from : 0);
        f.putLong(sub + 88, split ? to : 0);
        f.putLong(sub + 96, maxMapnr);
        f.put((int) noteOffset, notes);
        long rank = 0;
        for (long pfn = 0; pfn < maxMapnr; pfn++) {
            if (ram[(int) pfn]) {
                setBit(f, bitmapOffset, pfn);
            }
            byte[] page = pages.get(pfn);
            if (page != null) {
                // every part of a split set has both whole bitmaps; it stores the pages of its range
                setBit(f, bitmapOffset + halfBytes, pfn);
            }
            if (page != null && pfn >= from && pfn < to) {
                long data = dataOffset + rank * blockSize;
                int d = (int) (descOffset + 24 * rank);
                f.putLong(d, data).putInt(d + 8, blockSize).putInt(d + 12, 0).putLong(d + 16, 0);
                f.put((int) data, page);
                rank++;
            }
        }
        return f.array();
    }

    private static void setBit(ByteBuffer f, long base, long pfn) {
        int i = (int) (base + pfn / 8);
        f.put(i, (byte) (f.get(i) | 1 << (pfn & 7)));
    }
}
