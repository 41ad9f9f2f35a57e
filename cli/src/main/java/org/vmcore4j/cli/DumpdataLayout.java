package org.vmcore4j.cli;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Memory as libkdumpfile's test tool {@code dumpdata} prints it, so that expected-output files
 * written for it serve {@code vmcore4j read} too: each byte as two upper-case hex digits, or
 * {@code ??} where it could not be read, followed by a newline if the next address is a multiple of
 * 16, else by a space. Lines therefore hold the bytes of one 16-byte-aligned block (a read that
 * starts or ends inside a block gives a shorter line) and carry no address; a read that does not end
 * on a block boundary is closed with a newline after the last separator (which leaves that line's
 * trailing space). A read of length 0 at an address inside a block prints an empty line.
 */
final class DumpdataLayout {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int BYTES_PER_LINE = 16;

    private final OutputStream out;
    private final byte[] buffer = new byte[1 << 16];
    private int used;

    DumpdataLayout(OutputStream out) {
        this.out = out;
    }

    /** {@code n} bytes read at {@code address} onwards. */
    void bytes(long address, byte[] data, int off, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            int b = data[off + i] & 0xff;
            put(HEX[b >>> 4], HEX[b & 0xf], address + i + 1);
        }
    }

    /** {@code n} bytes at {@code address} onwards that could not be read. */
    void unreadable(long address, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            put((byte) '?', (byte) '?', address + i + 1);
        }
    }

    /** Ends one read at {@code end}, the address after its last byte. */
    void endRead(long end) throws IOException {
        if (!atLineStart(end)) {
            room(1);
            buffer[used++] = '\n';
        }
    }

    void flush() throws IOException {
        out.write(buffer, 0, used);
        used = 0;
        out.flush();
    }

    private void put(byte high, byte low, long next) throws IOException {
        room(3);
        buffer[used++] = high;
        buffer[used++] = low;
        buffer[used++] = atLineStart(next) ? (byte) '\n' : (byte) ' ';
    }

    private static boolean atLineStart(long address) {
        return (address & (BYTES_PER_LINE - 1)) == 0;
    }

    private void room(int n) throws IOException {
        if (used + n > buffer.length) {
            out.write(buffer, 0, used);
            used = 0;
        }
    }
}
