package org.vmcore4j.cli.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a POSIX ustar archive of regular files to a stream, deterministically: every member gets
 * the same mode (0644), owner (0/0, no names) and the modification time the caller gives, so the
 * same input gives the same bytes. Our own rather than a library (commons-compress): a triage bundle
 * needs only small regular files in a flat directory, about 100 lines, and the executable jar stays
 * free of a 1 MB dependency whose archive readers would be a fuzzing target of their own.
 *
 * <p>Names are at most 100 bytes of ASCII (the ustar field); a size of 8 GiB or more, which an
 * 11-digit octal field cannot hold, is written in GNU tar's base-256 form (first byte 0x80), which
 * GNU tar, bsdtar and Python's tarfile read.
 */
public final class TarWriter implements Closeable {
    public static final int BLOCK = 512;
    /** Largest size an 11-digit octal field holds. */
    static final long MAX_OCTAL_SIZE = 077777777777L;

    private final OutputStream out;
    private final long mtimeSeconds;
    private boolean closed;

    /** @param mtimeSeconds every member's modification time (seconds since the epoch, non-negative) */
    public TarWriter(OutputStream out, long mtimeSeconds) {
        this.out = out;
        this.mtimeSeconds = Math.max(0, Math.min(mtimeSeconds, MAX_OCTAL_SIZE));
    }

    /** Adds a regular file {@code name} holding {@code data}. */
    public void add(String name, byte[] data) throws IOException {
        out.write(header(name, data.length, mtimeSeconds));
        out.write(data);
        pad(data.length);
    }

    /** The 512-byte ustar header of a regular file. */
    public static byte[] header(String name, long size, long mtimeSeconds) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length > 100 || !StandardCharsets.US_ASCII.newEncoder().canEncode(name)) {
            throw new IllegalArgumentException("a ustar member name is 1 to 100 ASCII bytes: " + name);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative member size: " + size);
        }
        byte[] h = new byte[BLOCK];
        System.arraycopy(n, 0, h, 0, n.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (size <= MAX_OCTAL_SIZE) {
            octal(h, 124, 12, size);
        } else {
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        octal(h, 136, 12, Math.max(0, Math.min(mtimeSeconds, MAX_OCTAL_SIZE)));
        h[156] = '0'; // regular file
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        // the checksum is summed with its own field read as eight spaces
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
        return h;
    }

    /** {@code width - 1} octal digits, zero-padded, then a NUL. */
    private static void octal(byte[] h, int offset, int width, long value) {
        String s = Long.toOctalString(value);
        int digits = width - 1;
        for (int i = 0; i < digits; i++) {
            int from = s.length() - digits + i;
            h[offset + i] = (byte) (from < 0 ? '0' : s.charAt(from));
        }
        h[offset + digits] = 0;
    }

    /** Zero bytes from the end of a member of {@code size} bytes to the next block boundary. */
    public static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
    }

    private void pad(long size) throws IOException {
        out.write(new byte[padding(size)]);
    }

    /** Writes the end-of-archive marker (two zero blocks) and closes the stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream o = out) {
            o.write(new byte[2 * BLOCK]);
        }
    }
}
