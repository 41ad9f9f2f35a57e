package org.vmcore4j.core.internal.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormat;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * A dump stored in an uncompressed tar archive (POSIX ustar, GNU base-256 sizes for members of 8 GiB
 * and more), as the collector's {@code --archive} writes it: the first regular member that another
 * installed format recognises is opened in place, without extracting it. A compressed tar cannot be
 * read this way (no random access); unpack it first.
 */
public final class TarFormat implements VmcoreFormat {
    public static final String NAME = "tar";
    static final int BLOCK = 512;
    /** Members looked at before giving up: an archive of the collector holds two or three. */
    static final int MAX_MEMBERS = 64;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean probe(RandomAccessSource source) throws IOException {
        if (source.size() < BLOCK) {
            return false;
        }
        byte[] h = source.readBytes(0, BLOCK);
        return new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar") && checksumMatches(h);
    }

    @Override
    public Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException {
        long pos = 0;
        for (int i = 0; i < MAX_MEMBERS && pos + BLOCK <= source.size(); i++) {
            byte[] h = source.readBytes(pos, BLOCK);
            if (isZero(h)) {
                break;
            }
            if (!checksumMatches(h)) {
                throw new VmcoreFormatException(source.description(), pos, "tar header checksum does not match");
            }
            long size = size(h, source.description(), pos);
            long data = pos + BLOCK;
            if (size > source.size() - data) {
                throw new VmcoreFormatException(source.description(), pos, "tar member of " + size
                        + " bytes runs past the end of the archive");
            }
            byte type = h[156];
            if (type == '0' || type == 0) {
                String name = cString(h, 0, 100);
                SliceSource member = new SliceSource(source, data, size, source.description() + " (member " + name + ")");
                VmcoreFormat format = formatOf(member);
                if (format != null) {
                    return format.open(member, options);
                }
            }
            pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
        }
        throw new VmcoreFormatException(source.description(), 0, "the tar archive holds no crash dump");
    }

    private static VmcoreFormat formatOf(RandomAccessSource member) throws IOException {
        for (VmcoreFormat f : ServiceLoader.load(VmcoreFormat.class, TarFormat.class.getClassLoader())) {
            if (!(f instanceof TarFormat) && f.probe(member)) {
                return f;
            }
        }
        return null;
    }

    /** Octal digits, or GNU's base-256 (first byte 0x80) for sizes an 11-digit octal field cannot hold. */
    static long size(byte[] h, String resource, long at) throws VmcoreFormatException {
        if ((h[124] & 0xff) == 0x80) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                if (v >>> 55 != 0) {
                    throw new VmcoreFormatException(resource, at, "tar member size overflows");
                }
                v = v << 8 | (h[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = 124; i < 136 && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new VmcoreFormatException(resource, at, "tar member size is not octal");
            }
            v = v << 3 | (h[i] - '0');
        }
        return v;
    }

    static boolean checksumMatches(byte[] h) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        long stated = 0;
        for (int i = 148; i < 156; i++) {
            if (h[i] >= '0' && h[i] <= '7') {
                stated = stated << 3 | (h[i] - '0');
            } else if (h[i] != ' ' && h[i] != 0) {
                return false;
            }
        }
        return stated == sum;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] h, int off, int max) {
        int n = 0;
        while (n < max && h[off + n] != 0) {
            n++;
        }
        return new String(h, off, n, StandardCharsets.ISO_8859_1);
    }
}
