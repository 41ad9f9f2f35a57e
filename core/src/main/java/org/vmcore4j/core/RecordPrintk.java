package org.vmcore4j.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads the variable-length record buffer of Linux 3.5 to 5.9 ({@code struct log}, renamed
 * {@code struct printk_log} in 3.11), following the chain from {@code log_first_idx} (or
 * {@code clear_idx}) to {@code log_next_idx} as makedumpfile 1.7.9's dump_dmesg does, including its
 * answers to damage: a chain that leaves the buffer keeps the records before it, and a chain that
 * loops keeps the records up to and around the loop once (makedumpfile finds loops with Brent's
 * algorithm; the same steps are taken here so the same records come out).
 *
 * <p>Layout facts (kernel/printk/printk.c of those releases): a record is its header
 * ({@code u64 ts_nsec; u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3;} and with
 * CONFIG_PRINTK_CALLER {@code u32 caller_id}), the text at {@code SIZE(printk_log)}, then the
 * dictionary and padding; {@code len} covers all of it. A header with {@code len == 0} marks the
 * end of the used buffer: the record that belongs there is at offset 0.
 */
final class RecordPrintk {
    /** Largest log_buf read: 1 GiB (the kernel's log_buf_len= accepts up to 2 GiB; no real system uses that). */
    static final long MAX_LOG_BUF_LEN = 1L << 30;

    private RecordPrintk() {
    }

    static Dmesg read(VmcoreInfo info, KernelAddressSpace space, boolean sinceClear) throws IOException {
        String res = info.resource();
        PrintkLayout k = new PrintkLayout(info);
        long logBufSym = k.symbol("log_buf");
        long lenSym = k.symbol("log_buf_len");
        boolean fromClear = sinceClear && info.symbol("clear_idx").isPresent();
        long firstSym = k.symbol(fromClear ? "clear_idx" : "log_first_idx");
        long nextSym = k.symbol("log_next_idx");
        // 3.5-3.10 export the structure as "log"; makedumpfile falls back the same way
        String struct = info.size("printk_log").isPresent() ? "printk_log" : "log";
        long sz = k.size(struct);
        long tsOff = k.offset(struct + ".ts_nsec");
        long lenOff = k.offset(struct + ".len");
        long textLenOff = k.offset(struct + ".text_len");
        OptionalLong dictOff = k.optionalOffset(struct + ".dict_len");
        OptionalLong callerOff = struct.equals("printk_log") ? k.optionalOffset("printk_log.caller_id") : OptionalLong.empty();
        k.check("the printk record buffer");
        k.fits(struct + ".ts_nsec", tsOff, 8, sz);
        k.fits(struct + ".len", lenOff, 2, sz);
        k.fits(struct + ".text_len", textLenOff, 2, sz);
        if (callerOff.isPresent()) {
            k.fits("printk_log.caller_id", callerOff.getAsLong(), 4, sz);
        }
        k.check("the printk record buffer");

        long first = Integer.toUnsignedLong(space.readInt(firstSym));
        long next = Integer.toUnsignedLong(space.readInt(nextSym));
        long logBuf = space.readPointer(logBufSym);
        int logBufLen = space.readInt(lenSym);
        if (logBufLen <= 0 || logBufLen > MAX_LOG_BUF_LEN) {
            throw new VmcoreFormatException(res, -1, "log_buf_len " + Integer.toUnsignedString(logBufLen)
                    + " is outside (0, " + MAX_LOG_BUF_LEN + "]");
        }
        long facilityOff = dictOff.isPresent() ? dictOff.getAsLong() + 2 : textLenOff + 4;
        Chain c = new Chain(new VirtualRegion(space, logBuf, logBufLen, "printk log_buf", res), sz, lenOff, textLenOff,
                tsOff, facilityOff + 2 <= sz ? facilityOff : -1, callerOff);
        c.walk(first, next, fromClear ? "clear_idx" : "log_first_idx");
        return new Dmesg(Dmesg.Source.RECORD_BUFFER, c.records, callerOff.isPresent(), null, c.damage);
    }

    private static final class Chain {
        final VirtualRegion buf;
        final long len;
        final long sz;
        final long maxPtr;
        final long lenOff;
        final long textLenOff;
        final long tsOff;
        final long facilityOff;
        final OptionalLong callerOff;
        final List<Dmesg.Record> records = new ArrayList<>();
        long textBytes;
        String damage;
        boolean stopped;

        Chain(VirtualRegion buf, long sz, long lenOff, long textLenOff, long tsOff, long facilityOff, OptionalLong callerOff) {
            this.buf = buf;
            this.len = buf.size();
            this.sz = sz;
            this.maxPtr = len - sz; // the last offset a header fits at (makedumpfile's bound for the next index)
            this.lenOff = lenOff;
            this.textLenOff = textLenOff;
            this.tsOff = tsOff;
            this.facilityOff = facilityOff;
            this.callerOff = callerOff;
        }

        /** The index after the record at {@code p}; {@code p} is in range. A zero length wraps to the record at 0. */
        long next(long p) throws IOException {
            int l = buf.u16(p + lenOff);
            return l == 0 ? buf.u16(lenOff) : p + l;
        }

        /** Where the record for index {@code p} is: {@code p}, or 0 at the end-of-buffer marker. */
        long at(long p) throws IOException {
            return buf.u16(p + lenOff) == 0 ? 0 : p;
        }

        void walk(long first, long last, String firstName) throws IOException {
            if (first == last) {
                return;
            }
            if (first > maxPtr) {
                damage = firstName + " " + first + " is outside log_buf (" + len + " bytes); no records read";
                return;
            }
            // Pass 1 follows indices only, with makedumpfile's loop detection (Brent). Every step
            // consumes a record; a sound chain has at most len / sz of them, so after four times
            // that (enough for Brent to close any loop of sound records) the chain is certainly damaged.
            long budget = 4 * (len / sz + 2);
            long ptr = first;
            long slow = first;
            long fast = first;
            long length = 0;
            long power = 2;
            long steps = 0;
            while (true) {
                steps++;
                long nxt = next(ptr);
                if (length == power) {
                    length = 0;
                    power *= 2;
                    slow = fast;
                }
                fast = nxt;
                length++;
                if (slow == fast) {
                    replayLoop(first, length, steps);
                    return;
                }
                if (nxt > maxPtr) {
                    emitChain(first, steps);
                    note(String.format(Locale.ROOT, "the record at index %d points to index %d, outside log_buf (%d bytes): "
                            + "log_buf is most likely corrupted", ptr, nxt, len));
                    return;
                }
                ptr = nxt;
                if (ptr == last) {
                    emitChain(first, steps);
                    return;
                }
                if (steps >= budget) {
                    emitChain(first, steps);
                    note("the record chain holds more records than log_buf (" + len
                            + " bytes) can; records overlap and the log stops after " + steps);
                    return;
                }
            }
        }

        private void emitChain(long first, long count) throws IOException {
            long p = first;
            for (long i = 0; i < count && !stopped; i++) {
                emit(at(p));
                p = next(p);
            }
        }

        /**
         * The chain loops: as makedumpfile, find where the loop starts, then write the records from
         * the first index up to that point and once around the loop.
         */
        private void replayLoop(long first, long loopLength, long steps) throws IOException {
            long slow = first;
            long fast = first;
            for (long i = 0; i < loopLength; i++) {
                fast = next(fast);
            }
            for (long guard = 0; slow != fast && guard <= steps; guard++) {
                slow = next(slow);
                fast = next(fast);
            }
            long loopStart = slow;
            note(String.format(Locale.ROOT, "the record chain loops back to index %d without reaching log_next_idx: "
                    + "log_buf is most likely corrupted", loopStart));
            long p = first;
            boolean inLoop = false;
            long remaining = loopLength;
            // everything written lies on the walked prefix of at most `steps` records; makedumpfile
            // would never stop if the loop starts at an end-of-buffer marker, so bound it here
            for (long guard = 0; remaining > 0 && !stopped && guard <= steps; guard++) {
                long record = at(p);
                emit(record);
                p = next(p);
                if (record == loopStart) {
                    inLoop = true;
                }
                if (inLoop) {
                    remaining--;
                }
            }
        }

        private void emit(long r) throws IOException {
            int textLen = buf.u16(r + textLenOff);
            if (r + sz + textLen > len) {
                note(String.format(Locale.ROOT, "the text of the record at index %d runs past the end of log_buf; the log stops there", r));
                stopped = true;
                return;
            }
            textBytes += textLen;
            if (textBytes > len) {
                note("the records claim more text than log_buf (" + len + " bytes) holds; the log stops there");
                stopped = true;
                return;
            }
            byte[] text = new byte[textLen];
            buf.read(r + sz, text, 0, textLen);
            long ts = buf.u64(r + tsOff);
            int facility = facilityOff >= 0 ? buf.u8(r + facilityOff) : 0;
            int level = facilityOff >= 0 ? Dmesg.levelOf(buf.u8(r + facilityOff + 1), buf.littleEndian()) : 0;
            int caller = callerOff.isPresent() ? (int) buf.u32(r + callerOff.getAsLong()) : 0;
            records.add(new Dmesg.Record(ts, level, facility, callerOff.isPresent(), caller, text));
        }

        private void note(String what) {
            if (damage == null) {
                damage = what;
            }
        }
    }
}
