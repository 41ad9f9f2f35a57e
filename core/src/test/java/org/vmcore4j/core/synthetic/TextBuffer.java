package org.vmcore4j.core.synthetic;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a pre-3.5 plain-text printk ring into a {@link SyntheticKernel}: {@code log_buf} points
 * to {@code log_buf_len} bytes written at {@code log_end & (len - 1)}; {@code log_end} counts every
 * byte ever written ("unsigned" since 2.6.25, "unsigned long" before).
 */
public final class TextBuffer {
    private final SyntheticKernel k;
    private final long buf;
    private final int len;
    private final long endVar;
    private final long logBufVar;
    private final long lenVar;
    private final boolean longEnd;
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private long end;

    public TextBuffer(SyntheticKernel k, int len, boolean longEnd) {
        this.k = k;
        this.len = len;
        this.longEnd = longEnd;
        logBufVar = k.imageAlloc(8, 8);
        lenVar = k.imageAlloc(4, 4);
        endVar = k.imageAlloc(8, 8);
        buf = k.heapAlloc(len, 8);
        k.putLong(logBufVar, buf);
        k.putInt(lenVar, len);
        k.info("SYMBOL(log_buf)=" + Long.toHexString(logBufVar));
        k.info("SYMBOL(log_buf_len)=" + Long.toHexString(lenVar));
        k.info("SYMBOL(log_end)=" + Long.toHexString(endVar));
    }

    /** Where the buffer and its variables live, as {vaddr, length} pairs: what a damage test may overwrite. */
    public java.util.List<long[]> regions() {
        return java.util.List.of(new long[] {logBufVar, 8}, new long[] {lenVar, 4}, new long[] {endVar, 8},
                new long[] {buf, len});
    }

    public void print(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] b) {
        for (byte c : b) {
            k.putByte(buf + (end & (len - 1)), c);
            end++;
        }
        all.writeBytes(b);
        if (longEnd) {
            k.putLong(endVar, end);
        } else {
            k.putInt(endVar, end);
        }
    }

    /** What survives: everything if less than the buffer was written, else the last {@code len} bytes. */
    public byte[] expected() {
        byte[] a = all.toByteArray();
        int from = Math.max(0, a.length - len);
        return java.util.Arrays.copyOfRange(a, from, a.length);
    }

    /** Bytes written so far: the kernel's {@code log_end}. */
    public long end() {
        return end;
    }

    /** The buffer's size: the kernel's {@code log_buf_len}. */
    public int length() {
        return len;
    }

    public void setEnd(long v) {
        k.putLong(endVar, v);
    }
}
