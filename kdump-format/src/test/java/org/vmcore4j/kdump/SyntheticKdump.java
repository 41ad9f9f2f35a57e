package org.vmcore4j.kdump;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.PageCodec;

/**
 * Builds kdump-compressed files in memory straight from the layout (FORMATS.md section 1), for every
 * ABI, byte order and header version the corpus cannot supply: the input of the round-trip and
 * hostile-input properties. Not a writer for real dumps (no filtering); the collector's writer is.
 */
final class SyntheticKdump {
    final HeaderLayout layout;
    final ByteOrder order;
    final int version;
    final int blockSize;
    final long maxMapnr;
    final boolean[] ram;
    final boolean[] dumpable;
    final byte[][] pages;
    final Compression compression;
    final int dumpLevel;
    final byte[] eraseinfo;
    final String machine;
    final int cpus;
    final long physBase;

    /** Offsets of interesting regions in the last built file, for targeted mutations. */
    long subHeaderOffset;
    long noteOffset;
    long noteSize;
    long bitmapOffset;
    long descriptorOffset;
    long dataOffset;

    SyntheticKdump(HeaderLayout layout, ByteOrder order, int version, int blockSize, long maxMapnr, Compression compression,
            long seed) {
        this.layout = layout;
        this.order = order;
        this.version = version;
        this.blockSize = blockSize;
        this.maxMapnr = maxMapnr;
        this.compression = compression;
        Random r = new Random(seed);
        this.ram = new boolean[(int) maxMapnr];
        this.dumpable = new boolean[(int) maxMapnr];
        this.pages = new byte[(int) maxMapnr][];
        for (int p = 0; p < maxMapnr; p++) {
            ram[p] = r.nextInt(8) != 0;
            dumpable[p] = ram[p] && r.nextInt(3) != 0;
            if (dumpable[p]) {
                pages[p] = page(r, blockSize);
            }
        }
        this.dumpLevel = r.nextBoolean() ? 31 : 1;
        this.eraseinfo = version >= 5 && r.nextBoolean() ? "erase jiffies size 8\nerase modules nullify\n".getBytes(StandardCharsets.US_ASCII) : null;
        this.machine = layout == HeaderLayout.LP64 ? (order == ByteOrder.LITTLE_ENDIAN ? "x86_64" : "s390x") : "i686";
        this.cpus = 1 + r.nextInt(3);
        this.physBase = layout == HeaderLayout.LP64 ? r.nextLong() & 0xffff_ffffL << 12 : (r.nextInt() & 0xfffff000L);
    }

    /** A page that is zero, random, or repetitive text: what compresses not at all, well, and a lot. */
    static byte[] page(Random r, int size) {
        byte[] b = new byte[size];
        switch (r.nextInt(4)) {
            case 0 -> { }
            case 1 -> r.nextBytes(b);
            default -> {
                byte[] word = ("vmcore4j-" + r.nextInt(1000) + " ").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < size; i++) {
                    b[i] = word[i % word.length];
                }
                b[r.nextInt(size)] = (byte) r.nextInt();
            }
        }
        return b;
    }

    String vmcoreinfoText() {
        return "OSRELEASE=6.1.0-synthetic\nPAGESIZE=" + blockSize + "\nCRASHTIME=1700000000\n";
    }

    byte[] notes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prSize = switch (machine) {
            case "x86_64", "s390x" -> 336;
            default -> 144;
        };
        for (int c = 0; c < cpus; c++) {
            byte[] desc = new byte[prSize];
            ByteBuffer d = ByteBuffer.wrap(desc).order(order);
            d.putInt(layout.pointerSize() == 8 ? 32 : 24, 100 + c); // pr_pid
            note(out, "CORE", 1, desc);
        }
        note(out, "VMCOREINFO", 0, vmcoreinfoText().getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private void note(ByteArrayOutputStream out, String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = ByteBuffer.allocate(12).order(order);
        h.putInt(n.length).putInt(desc.length).putInt(type);
        out.writeBytes(h.array());
        out.writeBytes(Arrays.copyOf(n, (n.length + 3) & ~3));
        out.writeBytes(Arrays.copyOf(desc, (desc.length + 3) & ~3));
    }

    /** The whole dump in one file. */
    byte[] build() {
        return build(0, maxMapnr, false);
    }

    /** One file of a split set holding {@code [start, end)}, or the whole dump when {@code split} is false. */
    byte[] build(long start, long end, boolean split) {
        long bitmapBytesHalf = ((maxMapnr + 7) / 8 + blockSize - 1) / blockSize * blockSize;
        long bitmapBlocks = 2 * bitmapBytesHalf / blockSize;
        byte[] notes = version >= 4 ? notes() : new byte[0];
        byte[] vmci = version == 3 ? vmcoreinfoText().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        int subStruct = layout.subHeaderSize();
        int subHdrBlocks = version >= 1 ? (int) ((subStruct + notes.length + vmci.length + blockSize - 1) / blockSize) : 0;
        subHeaderOffset = blockSize;
        noteOffset = blockSize + subStruct;
        noteSize = notes.length;
        bitmapOffset = (1L + subHdrBlocks) * blockSize;
        descriptorOffset = bitmapOffset + bitmapBlocks * blockSize;
        int total = 0;
        for (boolean d : dumpable) {
            total += d ? 1 : 0;
        }
        dataOffset = descriptorOffset + 24L * total;

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer desc = ByteBuffer.allocate(24 * total).order(order);
        boolean shareZero = (dumpLevel & 1) != 0;
        long zeroOffset = -1;
        if (shareZero) {
            zeroOffset = dataOffset;
            data.writeBytes(new byte[blockSize]);
        }
        PageCodec codec = compression == Compression.NONE ? null : PageCodec.of(compression);
        byte[] buf = new byte[blockSize];
        long rank = 0;
        try {
            for (int p = 0; p < maxMapnr; p++) {
                if (!dumpable[p]) {
                    continue;
                }
                if (p < start || p >= end) {
                    if (p >= start) {
                        break;
                    }
                    continue;
                }
                long at = 24 * rank++;
                byte[] pg = pages[p];
                if (shareZero && Arrays.equals(pg, new byte[blockSize])) {
                    desc.putLong((int) at, zeroOffset).putInt((int) at + 8, blockSize).putInt((int) at + 12, 0);
                    continue;
                }
                int n = codec == null ? -1 : codec.compress(pg, 0, blockSize, buf, 0, blockSize - 1);
                long off = dataOffset + data.size();
                if (n > 0) {
                    data.write(buf, 0, n);
                    desc.putLong((int) at, off).putInt((int) at + 8, n).putInt((int) at + 12, compression.flag());
                } else {
                    data.writeBytes(pg);
                    desc.putLong((int) at, off).putInt((int) at + 8, blockSize).putInt((int) at + 12, 0);
                }
            }
        } finally {
            if (codec != null) {
                codec.close();
            }
        }
        long eraseOff = 0;
        if (eraseinfo != null) {
            eraseOff = dataOffset + data.size();
            data.writeBytes(eraseinfo);
        }
        long size = dataOffset + data.size();
        ByteBuffer f = ByteBuffer.allocate(Math.toIntExact(size)).order(order);
        // header
        f.put(0, DiskDumpHeader.KDUMP_SIGNATURE.getBytes(StandardCharsets.US_ASCII));
        f.putInt(HeaderLayout.OFF_VERSION, version);
        String[] uts = {"Linux", "synthetic", "6.1.0-synthetic", "#1 SMP", machine, "(none)"};
        for (int i = 0; i < 6; i++) {
            f.put(HeaderLayout.OFF_UTSNAME + i * 65, uts[i].getBytes(StandardCharsets.US_ASCII));
        }
        if (layout.pointerSize() == 8) {
            f.putLong(layout.offTimestamp(), 1700000000L);
        } else {
            f.putInt(layout.offTimestamp(), 1700000000);
        }
        int status = compression.flag();
        f.putInt(layout.offStatus(), status);
        f.putInt(layout.offBlockSize(), blockSize);
        f.putInt(layout.offSubHdrSize(), subHdrBlocks);
        f.putInt(layout.offBitmapBlocks(), (int) bitmapBlocks);
        f.putInt(layout.offMaxMapnr(), (int) Math.min(maxMapnr, 0xffffffffL));
        f.putInt(layout.offStatus() + 36, cpus);
        // sub-header
        if (version >= 1) {
            int b = blockSize;
            putUlong(f, b + layout.subPhysBase(), physBase);
            f.putInt(b + layout.subDumpLevel(), dumpLevel);
            if (version >= 2) {
                f.putInt(b + layout.subSplit(), split ? 1 : 0);
                putUlong(f, b + layout.subStartPfn(), split ? start : 0);
                putUlong(f, b + layout.subEndPfn(), split ? end : 0);
            }
            if (version == 3) {
                f.putLong(b + layout.subOffsetVmcoreinfo(), noteOffset);
                putUlong(f, b + layout.subSizeVmcoreinfo(), vmci.length);
                f.put((int) noteOffset, vmci);
            }
            if (version >= 4) {
                f.put((int) noteOffset, notes);
                f.putLong(b + layout.subOffsetNote(), noteOffset);
                putUlong(f, b + layout.subSizeNote(), notes.length);
                int vi = indexOf(notes, vmcoreinfoText().getBytes(StandardCharsets.US_ASCII));
                f.putLong(b + layout.subOffsetVmcoreinfo(), noteOffset + vi);
                putUlong(f, b + layout.subSizeVmcoreinfo(), vmcoreinfoText().length());
            }
            if (version >= 5 && eraseinfo != null) {
                f.putLong(b + layout.subOffsetEraseinfo(), eraseOff);
                putUlong(f, b + layout.subSizeEraseinfo(), eraseinfo.length);
            }
            if (version >= 6) {
                f.putLong(b + layout.subStartPfn64(), split ? start : 0);
                f.putLong(b + layout.subEndPfn64(), split ? end : 0);
                f.putLong(b + layout.subMaxMapnr64(), maxMapnr);
            }
        }
        // bitmaps, descriptors, data
        for (int p = 0; p < maxMapnr; p++) {
            if (ram[p]) {
                int i = (int) (bitmapOffset + p / 8);
                f.put(i, (byte) (f.get(i) | 1 << (p & 7)));
            }
            if (dumpable[p]) {
                int i = (int) (bitmapOffset + bitmapBytesHalf + p / 8);
                f.put(i, (byte) (f.get(i) | 1 << (p & 7)));
            }
        }
        f.put((int) descriptorOffset, desc.array());
        f.put((int) dataOffset, data.toByteArray());
        return f.array();
    }

    private void putUlong(ByteBuffer f, int off, long v) {
        if (layout.pointerSize() == 8) {
            f.putLong(off, v);
        } else {
            f.putInt(off, (int) v);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("VMCOREINFO text not in the notes");
    }
}
