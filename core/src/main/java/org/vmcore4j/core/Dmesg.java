package org.vmcore4j.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The crashed kernel's log (what {@code dmesg} would have printed), read from VMCOREINFO and the
 * kernel address space alone, for all three printk buffer generations: the lockless
 * {@code printk_ringbuffer} (Linux 5.10+), the {@code printk_log} record buffer (3.5 to 5.9) and the
 * plain text ring of older kernels.
 *
 * <p>{@link #makedumpfileText()} and {@link #writeTo(OutputStream)} give exactly the bytes
 * {@code makedumpfile --dump-dmesg} 1.7.9 writes for the same dump; {@link #records()} gives programs
 * the same log as structured records.
 *
 * <p>The dump is untrusted: every index and size read from it is bounded before it is used
 * (descriptor rings up to 2^24 entries, text rings and log_buf up to 1 GiB) and every walk ends. A
 * ring too damaged to describe raises {@link VmcoreFormatException}; memory the dump lacks raises
 * {@link MemoryAccessException}; a ring damaged part-way gives the records read before the damage,
 * and {@link #damage()} says what was wrong (as makedumpfile keeps a partial file and reports an
 * error). Callers printing the log should print {@link #damage()} too. Instances are immutable.
 */
public final class Dmesg {

    /** Which printk buffer the log came from. */
    public enum Source {
        /** {@code printk_ringbuffer}, {@code SYMBOL(prb)}: Linux 5.10 and later. */
        LOCKLESS_RINGBUFFER,
        /** {@code struct printk_log} records in {@code log_buf}: Linux 3.5 to 5.9. */
        RECORD_BUFFER,
        /** Plain text in {@code log_buf}, {@code log_end}: before Linux 3.5. */
        TEXT_BUFFER
    }

    /**
     * One log record. {@link #level()} and {@link #facility()} are syslog's (level 0 emergency ..
     * 7 debug; facility 0 is the kernel); they are 0 where the buffer does not say (plain text
     * lines without a {@code <N>} prefix). The text is as stored: no trailing newline, possibly
     * several lines, possibly bytes that are not UTF-8.
     */
    public static final class Record {
        private final long timestampNanos;
        private final int level;
        private final int facility;
        private final boolean hasCaller;
        private final int callerId;
        private final byte[] text;

        Record(long timestampNanos, int level, int facility, boolean hasCaller, int callerId, byte[] text) {
            this.timestampNanos = timestampNanos;
            this.level = level;
            this.facility = facility;
            this.hasCaller = hasCaller;
            this.callerId = callerId;
            this.text = text;
        }

        /** {@return nanoseconds since boot on the logging CPU's clock (unsigned); -1 for untimed text lines} */
        public long timestampNanos() {
            return timestampNanos;
        }

        /** {@return the record's log level (0 emergency .. 7 debug)} */
        public int level() {
            return level;
        }

        /** {@return the record's syslog facility (0 for the kernel)} */
        public int facility() {
            return facility;
        }

        /**
         * {@return the caller as the kernel prints it with CONFIG_PRINTK_CALLER: {@code T<pid>} for a
         * task, {@code C<cpu>} for a CPU outside task context; empty where the buffer records none}
         */
        public Optional<String> caller() {
            if (!hasCaller) {
                return Optional.empty();
            }
            // bit 31 marks a CPU number (kernel/printk/printk.c, printk_caller_id)
            return Optional.of(((callerId & 0x80000000) != 0 ? "C" : "T") + (callerId & 0x7fffffff));
        }

        /** {@return a copy of the text bytes} */
        public byte[] textBytes() {
            return text.clone();
        }

        /** {@return the text decoded as UTF-8 (malformed bytes become U+FFFD)} */
        public String text() {
            return new String(text, StandardCharsets.UTF_8);
        }

        int textLength() {
            return text.length;
        }

        @Override
        public String toString() {
            return "[" + timestampNanos + "] <" + facility + "," + level + ">" + caller().map(c -> " " + c).orElse("")
                    + " " + text();
        }
    }

    private final Source source;
    private final List<Record> records;
    private final boolean callerIds;
    private final byte[] plainText;
    private final String damage;

    Dmesg(Source source, List<Record> records, boolean callerIds, byte[] plainText, String damage) {
        this.source = source;
        this.records = Collections.unmodifiableList(new ArrayList<>(records));
        this.callerIds = callerIds;
        this.plainText = plainText;
        this.damage = damage;
    }

    /**
     * Reads the whole log, as {@code makedumpfile --dump-dmesg} does.
     *
     * @param info the VMCOREINFO
     * @param space the crashed kernel's address space, through which the log is read
     * @return the log
     * @throws IOException if reading or writing fails
     */
    public static Dmesg read(VmcoreInfo info, KernelAddressSpace space) throws IOException {
        return read(info, space, false);
    }

    /**
     * Reads the log; with {@code sinceClear}, only what was logged since it was last cleared
     * ({@code dmesg -c}), as {@code makedumpfile --dump-dmesg --partial-dmesg} does: from
     * {@code clear_idx} (3.5 to 5.9), or on 5.10+ from the descriptor makedumpfile computes from
     * {@code clear_seq}. Where that computation lands after the newest record (makedumpfile 1.7.9
     * then steps through the whole 2^62 id space and never finishes), the records whose sequence
     * number is at least {@code clear_seq} are given instead. Without those symbols, and for
     * plain-text buffers, the whole log.
     *
     * @param info the VMCOREINFO
     * @param space the crashed kernel's address space, through which the log is read
     * @param sinceClear whether to read only what was logged since the log was last cleared
     * @return the log
     * @throws VmcoreFormatException naming the VMCOREINFO keys that are missing or invalid, or if a
     *                               ring's sizes are out of bounds
     * @throws MemoryAccessException if the dump lacks memory the log lives in
     */
    public static Dmesg read(VmcoreInfo info, KernelAddressSpace space, boolean sinceClear) throws IOException {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(space, "space");
        if (info.symbol("prb").isPresent()) {
            return LocklessPrintk.read(info, space, sinceClear);
        }
        PrintkLayout k = new PrintkLayout(info);
        k.symbol("log_buf");
        k.symbol("log_buf_len");
        k.check("the kernel log (no SYMBOL(prb) either)");
        // makedumpfile decides by the release; where that does not parse, log_end exists only before 3.5
        int version = kernelVersion(info.osRelease().orElse(""));
        boolean plain = version >= 0 ? version < kernelVersion("3.5.0") : info.symbol("log_end").isPresent();
        return plain ? readText(info, space, version) : RecordPrintk.read(info, space, sinceClear);
    }

    /** Pre-3.5: {@code log_buf} is text; {@code log_end} counts every byte ever written, so past the size it has wrapped. */
    private static Dmesg readText(VmcoreInfo info, KernelAddressSpace space, int version) throws IOException {
        PrintkLayout k = new PrintkLayout(info);
        long logBufSym = k.symbol("log_buf");
        long lenSym = k.symbol("log_buf_len");
        long endSym = k.symbol("log_end");
        k.check("the plain-text kernel log");
        // log_end became "unsigned" in 2.6.25; before it was "unsigned long"
        long logEnd = version >= 0 && version < kernelVersion("2.6.25") ? space.readPointer(endSym)
                : Integer.toUnsignedLong(space.readInt(endSym));
        long logBuf = space.readPointer(logBufSym);
        int len = space.readInt(lenSym);
        if (len <= 0 || len > RecordPrintk.MAX_LOG_BUF_LEN) {
            throw new VmcoreFormatException(info.resource(), -1, "log_buf_len " + Integer.toUnsignedString(len)
                    + " is outside (0, " + RecordPrintk.MAX_LOG_BUF_LEN + "]");
        }
        VirtualRegion buf = new VirtualRegion(space, logBuf, len, "printk log_buf", info.resource());
        byte[] text;
        // every page of the buffer must be readable before its size (up to 1 GiB) sizes an allocation
        requireReadable(buf, Long.compareUnsigned(logEnd, len) < 0 ? logEnd : len);
        if (Long.compareUnsigned(logEnd, len) < 0) {
            text = new byte[(int) logEnd];
            buf.read(0, text, 0, text.length);
        } else {
            // makedumpfile masks with len - 1: right for the power-of-two sizes the kernel uses
            int index = (int) (logEnd & (len - 1));
            text = new byte[len];
            buf.read(index, text, 0, len - index);
            buf.read(0, text, len - index, index);
        }
        return new Dmesg(Source.TEXT_BUFFER, parseText(text), false, text, null);
    }

    /**
     * Reads one byte of every page of {@code buf[0, n)}, so a buffer whose size field lies fails with
     * the reader's usual exception instead of an allocation of that size.
     */
    private static void requireReadable(VirtualRegion buf, long n) throws IOException {
        byte[] probe = new byte[1];
        for (long off = 0; off < n; off += 4096) {
            buf.read(off, probe, 0, 1);
        }
        if (n > 0) {
            buf.read(n - 1, probe, 0, 1);
        }
    }

    /** Splits a plain-text log into lines, taking the {@code <N>} syslog prefix and {@code [sec.usec]} timestamp where present. */
    private static List<Record> parseText(byte[] text) {
        List<Record> out = new ArrayList<>();
        int start = 0;
        while (start < text.length) {
            int end = start;
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            int p = start;
            int level = 0;
            int facility = 0;
            if (end - p >= 3 && text[p] == '<') {
                int q = p + 1;
                int v = 0;
                while (q < end && q - p <= 4 && text[q] >= '0' && text[q] <= '9') {
                    v = v * 10 + (text[q] - '0');
                    q++;
                }
                if (q > p + 1 && q < end && text[q] == '>') {
                    level = v & 7;
                    facility = v >> 3;
                    p = q + 1;
                }
            }
            long ts = -1;
            if (p < end && text[p] == '[') {
                int q = p + 1;
                while (q < end && text[q] == ' ') {
                    q++;
                }
                long sec = 0;
                int digits = 0;
                while (q < end && text[q] >= '0' && text[q] <= '9' && digits < 12) {
                    sec = sec * 10 + (text[q++] - '0');
                    digits++;
                }
                if (digits > 0 && q + 7 < end && text[q] == '.' && text[q + 7] == ']') {
                    long usec = 0;
                    boolean ok = true;
                    for (int i = 1; i <= 6; i++) {
                        byte b = text[q + i];
                        ok &= b >= '0' && b <= '9';
                        usec = usec * 10 + (b - '0');
                    }
                    if (ok) {
                        ts = sec * 1_000_000_000L + usec * 1000;
                        p = q + 8;
                        if (p < end && text[p] == ' ') {
                            p++;
                        }
                    }
                }
            }
            out.add(new Record(ts, level, facility, false, 0, Arrays.copyOfRange(text, p, end)));
            start = end + 1;
        }
        return out;
    }

    /** The level of a {@code u8 flags:5, level:3} byte: GCC allocates bitfields from the low bit on little-endian targets, from the high bit on big-endian ones. */
    static int levelOf(int flagsAndLevel, boolean littleEndian) {
        return littleEndian ? (flagsAndLevel >> 5) & 7 : flagsAndLevel & 7;
    }

    /** {@code KERNEL_VERSION(a, b, c)} of an OSRELEASE such as {@code 6.1.0-56-amd64} (as makedumpfile's strtol parse), or -1. */
    static int kernelVersion(String release) {
        int[] parts = new int[3];
        int i = 0;
        for (int p = 0; p < 3; p++) {
            int start = i;
            int v = 0;
            while (i < release.length() && i - start < 6 && release.charAt(i) >= '0' && release.charAt(i) <= '9') {
                v = v * 10 + (release.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                if (p == 0) {
                    return -1;
                }
                break;
            }
            parts[p] = v;
            if (i >= release.length() || release.charAt(i) != '.') {
                break;
            }
            i++;
        }
        return (parts[0] << 16) + (Math.min(parts[1], 255) << 8) + Math.min(parts[2], 255);
    }

    /** {@return which buffer the log came from} */
    public Source source() {
        return source;
    }

    /** {@return the records, oldest first} */
    public List<Record> records() {
        return records;
    }

    /** {@return whether the kernel recorded caller ids (CONFIG_PRINTK_CALLER, always on 5.10+), so each line carries one} */
    public boolean hasCallerIds() {
        return callerIds;
    }

    /**
     * {@return what was wrong with the buffer, where it was damaged part-way: the log then holds the
     * records read before the damage (and, for a record chain that loops, once around the loop)}
     */
    public Optional<String> damage() {
        return Optional.ofNullable(damage);
    }

    /** {@return the log in makedumpfile 1.7.9's {@code --dump-dmesg} format} */
    public byte[] makedumpfileText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new AssertionError("a ByteArrayOutputStream does not fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes {@link #makedumpfileText()} to {@code out}: for record buffers one line per record,
     * {@code [%5lu.%06lu] } (seconds, microseconds), then {@code [%8s] } with the caller where the
     * kernel records callers, then the text with each embedded newline followed by spaces as wide as
     * that prefix, and bytes other than printable ASCII and whitespace written as {@code \xNN} (C's
     * {@code %02x} of a signed {@code char}, so bytes from 0x80 come out as {@code \xffffff80} and on);
     * for a plain-text buffer the text itself.
     *
     * @param out where the output goes
     * @throws IOException if reading or writing fails
     */
    public void writeTo(OutputStream out) throws IOException {
        if (plainText != null) {
            out.write(plainText);
            return;
        }
        byte[] line = new byte[256];
        for (Record r : records) {
            int newlines = 0;
            for (byte b : r.text) {
                newlines += b == '\n' ? 1 : 0;
            }
            // a prefix is at most 36 bytes; a byte becomes at most "\xffffffNN", a newline one plus the indent
            int worst = 64 + (r.textLength() - newlines) * 10 + newlines * 64;
            if (line.length < worst) {
                line = new byte[Math.max(worst, line.length * 2)];
            }
            int n = format(r, line);
            out.write(line, 0, n);
        }
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** Formats one record into {@code buf} (large enough), returning the length. */
    private int format(Record r, byte[] buf) {
        long sec = Long.divideUnsigned(r.timestampNanos, 1_000_000_000L);
        long usec = Long.remainderUnsigned(r.timestampNanos, 1_000_000_000L) / 1000;
        int n = 0;
        buf[n++] = '[';
        n = padded(buf, n, Long.toString(sec), 5);
        buf[n++] = '.';
        String us = Long.toString(usec);
        for (int i = us.length(); i < 6; i++) {
            buf[n++] = '0';
        }
        n = ascii(buf, n, us);
        buf[n++] = ']';
        buf[n++] = ' ';
        if (callerIds) {
            buf[n++] = '[';
            n = padded(buf, n, r.caller().orElseThrow(), 8);
            buf[n++] = ']';
            buf[n++] = ' ';
        }
        int indent = n;
        for (byte b : r.text) {
            if (b == '\n') {
                buf[n++] = '\n';
                for (int i = 0; i < indent; i++) {
                    buf[n++] = ' ';
                }
            } else if ((b >= 0x20 && b <= 0x7e) || (b >= '\t' && b <= '\r')) {
                // isprint() or isspace() in the C locale, which makedumpfile runs in
                buf[n++] = b;
            } else {
                buf[n++] = '\\';
                buf[n++] = 'x';
                if (b < 0) {
                    // a negative char promoted to int, printed with %02x
                    for (int i = 0; i < 6; i++) {
                        buf[n++] = 'f';
                    }
                }
                buf[n++] = HEX[(b >> 4) & 0xf];
                buf[n++] = HEX[b & 0xf];
            }
        }
        buf[n++] = '\n';
        return n;
    }

    /** {@code s} right-aligned in {@code width} columns (wider if longer), as {@code %*s} does. */
    private static int padded(byte[] buf, int n, String s, int width) {
        for (int i = s.length(); i < width; i++) {
            buf[n++] = ' ';
        }
        return ascii(buf, n, s);
    }

    private static int ascii(byte[] buf, int n, String s) {
        for (int i = 0; i < s.length(); i++) {
            buf[n++] = (byte) s.charAt(i);
        }
        return n;
    }

    @Override
    public String toString() {
        return "Dmesg(" + source + ", " + (plainText != null ? plainText.length + " bytes" : records.size() + " records")
                + (damage != null ? ", damaged: " + damage : "") + ")";
    }
}
