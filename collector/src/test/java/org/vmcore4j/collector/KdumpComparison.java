package org.vmcore4j.collector;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import java.util.Locale;
import org.vmcore4j.kdump.KdumpFile;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.PageDescriptor;

/** Comparisons of two kdump-compressed files, with messages that say where and what differs. */
final class KdumpComparison {
    private KdumpComparison() {
    }

    /** Offset of the first differing byte, or the shorter length if one is a prefix, or -1 if equal. */
    static long firstDifference(Path a, Path b) throws IOException {
        try (InputStream x = new BufferedInputStream(Files.newInputStream(a), 1 << 20);
                InputStream y = new BufferedInputStream(Files.newInputStream(b), 1 << 20)) {
            byte[] bx = new byte[1 << 16];
            byte[] by = new byte[1 << 16];
            long pos = 0;
            while (true) {
                int nx = x.readNBytes(bx, 0, bx.length);
                int ny = y.readNBytes(by, 0, by.length);
                int n = Math.min(nx, ny);
                int m = Arrays.mismatch(bx, 0, n, by, 0, n);
                if (m >= 0) {
                    return pos + m;
                }
                if (nx != ny) {
                    return pos + n;
                }
                if (nx == 0) {
                    return -1;
                }
                pos += n;
            }
        }
    }

    /** Names the region of {@code offset} in makedumpfile's file and shows both files' bytes there. */
    static String describe(Path theirs, Path ours, long offset) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "first difference at byte %,d (sizes: makedumpfile %,d, ours %,d)%n", offset,
                Files.size(theirs), Files.size(ours)));
        try (KdumpVmcore k = KdumpVmcore.open(theirs)) {
            KdumpFile f = k.files().get(0);
            long bs = f.blockSize();
            String region;
            if (offset < bs) {
                region = "disk_dump_header";
            } else if (offset < f.noteOffset()) {
                region = "kdump_sub_header";
            } else if (offset < (1 + f.header().subHeaderBlocks()) * bs) {
                region = "notes";
            } else if (offset < f.descriptorTableOffset()) {
                region = "bitmaps";
            } else if (offset < f.dataAreaOffset()) {
                long i = (offset - f.descriptorTableOffset()) / PageDescriptor.SIZE;
                region = "page descriptor #" + i + " (byte " + (offset - f.descriptorTableOffset()) % 24 + ")";
            } else {
                region = "page data";
            }
            sb.append("region: ").append(region).append('\n');
            sb.append("makedumpfile header: ").append(k.header()).append('\n').append(k.subHeader()).append('\n');
        }
        try (KdumpVmcore k = KdumpVmcore.open(ours)) {
            sb.append("our header:          ").append(k.header()).append('\n').append(k.subHeader()).append('\n');
        } catch (IOException e) {
            sb.append("our file does not open: ").append(e.getMessage()).append('\n');
        }
        sb.append("makedumpfile: ").append(hex(theirs, offset)).append('\n');
        sb.append("ours:         ").append(hex(ours, offset));
        return sb.toString();
    }

    private static String hex(Path p, long offset) throws IOException {
        try (var ch = Files.newByteChannel(p)) {
            ch.position(Math.max(0, offset - 8));
            var buf = java.nio.ByteBuffer.allocate(32);
            ch.read(buf);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < buf.position(); i++) {
                sb.append(String.format(Locale.ROOT, "%02x ", buf.get(i)));
            }
            return sb.toString();
        }
    }
}
