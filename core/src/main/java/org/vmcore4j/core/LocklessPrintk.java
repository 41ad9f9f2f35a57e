package org.vmcore4j.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads the lockless {@code printk_ringbuffer} of Linux 5.10 and later, walking descriptors from
 * {@code tail_id} to {@code head_id} as makedumpfile 1.7.9 does (printk.c), with every index and
 * size taken from memory bounded first.
 *
 * <p>Layout facts (kernel/printk/printk_ringbuffer.h): a descriptor's {@code state_var} holds the
 * record id in its low bits and the state in the top two; only committed (1) and finalized (2)
 * records are complete. A text block starts with the record id (one {@code unsigned long}); a
 * block whose begin lies after its end (modulo the ring size) wrapped, and its data is at ring
 * offset 0. {@code printk_info}'s {@code facility} byte and {@code flags:5 level:3} byte sit right
 * before {@code caller_id}.
 */
final class LocklessPrintk {
    /** Largest descriptor ring read: 2^24 descriptors, far above any kernel's (count_bits = log_buf_shift - 5). */
    static final int MAX_COUNT_BITS = 24;
    /** Largest text data ring read: 1 GiB. */
    static final int MAX_SIZE_BITS = 30;

    private static final int STATE_COMMITTED = 1;
    private static final int STATE_FINALIZED = 2;

    private LocklessPrintk() {
    }

    static Dmesg read(VmcoreInfo info, KernelAddressSpace space, boolean sinceClear) throws IOException {
        String res = info.resource();
        PrintkLayout k = new PrintkLayout(info);
        long prbSymbol = k.symbol("prb");
        long prbSize = k.size("printk_ringbuffer");
        long descRing = k.offset("printk_ringbuffer.desc_ring");
        long textRing = k.offset("printk_ringbuffer.text_data_ring");
        long countBitsOff = k.offset("prb_desc_ring.count_bits");
        long descsOff = k.offset("prb_desc_ring.descs");
        long infosOff = k.offset("prb_desc_ring.infos");
        long headOff = k.offset("prb_desc_ring.head_id");
        long tailOff = k.offset("prb_desc_ring.tail_id");
        long descSize = k.size("prb_desc");
        long stateVarOff = k.offset("prb_desc.state_var");
        long lposOff = k.offset("prb_desc.text_blk_lpos");
        long beginOff = k.offset("prb_data_blk_lpos.begin");
        long nextOff = k.offset("prb_data_blk_lpos.next");
        long sizeBitsOff = k.offset("prb_data_ring.size_bits");
        long dataOff = k.offset("prb_data_ring.data");
        long infoSize = k.size("printk_info");
        long tsOff = k.offset("printk_info.ts_nsec");
        long textLenOff = k.offset("printk_info.text_len");
        OptionalLong callerOff = k.optionalOffset("printk_info.caller_id");
        long counterOff = k.offset("atomic_long_t.counter");
        k.check("the lockless printk ring buffer");

        int ptr = space.pointerSize();
        k.fits("prb_desc_ring.count_bits", descRing + countBitsOff, 4, prbSize);
        k.fits("prb_desc_ring.descs", descRing + descsOff, ptr, prbSize);
        k.fits("prb_desc_ring.infos", descRing + infosOff, ptr, prbSize);
        k.fits("prb_desc_ring.head_id", descRing + headOff + counterOff, ptr, prbSize);
        k.fits("prb_desc_ring.tail_id", descRing + tailOff + counterOff, ptr, prbSize);
        k.fits("prb_data_ring.size_bits", textRing + sizeBitsOff, 4, prbSize);
        k.fits("prb_data_ring.data", textRing + dataOff, ptr, prbSize);
        k.fits("prb_desc.state_var", stateVarOff + counterOff, ptr, descSize);
        k.fits("prb_data_blk_lpos.begin", lposOff + beginOff, ptr, descSize);
        k.fits("prb_data_blk_lpos.next", lposOff + nextOff, ptr, descSize);
        k.fits("printk_info.ts_nsec", tsOff, 8, infoSize);
        k.fits("printk_info.text_len", textLenOff, 2, infoSize);
        if (callerOff.isPresent()) {
            k.fits("printk_info.caller_id", callerOff.getAsLong(), 4, infoSize);
        }
        k.check("the lockless printk ring buffer");

        // prb is a pointer variable: the ring it points to is normally printk_rb_static, or the
        // dynamic one set up for a log_buf_len= boot parameter
        long prb = space.readPointer(prbSymbol);
        VirtualRegion rb = new VirtualRegion(space, prb, prbSize, "struct printk_ringbuffer", res);
        long countBits = rb.u32(descRing + countBitsOff);
        long sizeBits = rb.u32(textRing + sizeBitsOff);
        if (countBits > MAX_COUNT_BITS) {
            throw new VmcoreFormatException(res, -1, "printk descriptor ring count_bits " + countBits
                    + " exceeds the " + MAX_COUNT_BITS + " this reader accepts (ring at 0x" + Long.toHexString(prb) + ")");
        }
        if (sizeBits > MAX_SIZE_BITS || sizeBits < 3) {
            throw new VmcoreFormatException(res, -1, "printk text data ring size_bits " + sizeBits
                    + " is outside [3, " + MAX_SIZE_BITS + "] (ring at 0x" + Long.toHexString(prb) + ")");
        }
        long count = 1L << countBits;
        long size = 1L << sizeBits;
        long idMask = ptr == 8 ? ~(3L << 62) : 0x3fffffffL; // DESC_ID_MASK: all but the two state bits of an unsigned long
        int stateShift = ptr * 8 - 2;

        VirtualRegion descs = new VirtualRegion(space, rb.unsigned(descRing + descsOff, ptr), count * descSize,
                "printk descriptor array", res);
        VirtualRegion infos = new VirtualRegion(space, rb.unsigned(descRing + infosOff, ptr), count * infoSize,
                "printk_info array", res);
        VirtualRegion data = new VirtualRegion(space, rb.unsigned(textRing + dataOff, ptr), size,
                "printk text data ring", res);
        long headId = rb.unsigned(descRing + headOff + counterOff, ptr) & idMask;
        long tailId = rb.unsigned(descRing + tailOff + counterOff, ptr) & idMask;

        OptionalLong seqOff = k.optionalOffset("printk_info.seq");
        long minSeq = 0;
        if (sinceClear) {
            OptionalLong clear = clearSeq(info, space);
            if (clear.isPresent()) {
                // makedumpfile: the id in head's ring generation with the slot of clear_seq (a record's
                // seq and id share their slot, id % count == seq % count)
                long start = (headId - (headId & (count - 1)) + (clear.getAsLong() & (count - 1))) & idMask;
                if (((headId - start) & idMask) < count) {
                    tailId = start;
                } else if (seqOff.isPresent() && seqOff.getAsLong() + 8 <= infoSize) {
                    // that start lies after head (clear_seq is in an older generation, or no record
                    // came after the clear): makedumpfile would step through 2^62 ids. Keep the walk
                    // from tail and print what was logged since the clear, by sequence number.
                    minSeq = clear.getAsLong();
                } else {
                    tailId = (start - count) & idMask;
                }
            }
        }

        Walk w = new Walk(descs, infos, data, descSize, infoSize, stateVarOff + counterOff, lposOff + beginOff,
                lposOff + nextOff, tsOff, textLenOff, callerOff, ptr, idMask, stateShift, count, size);
        if (minSeq != 0) {
            w.minSeq = minSeq;
            w.seqOff = seqOff.getAsLong();
        }
        long distance = (headId - tailId) & idMask;
        if (distance < count) {
            for (long i = 0; i <= distance && !w.stopped; i++) {
                w.record((tailId + i) & idMask);
            }
        } else {
            // A sound ring never has more than count ids between tail and head. makedumpfile would
            // still step through every id (up to 2^62 of them); only ids a descriptor holds can
            // print, so visit those, in the order that walk would have reached them.
            long[] order = new long[16];
            int n = 0;
            for (long slot = 0; slot < count; slot++) {
                long id = descs.unsigned(slot * descSize + stateVarOff + counterOff, ptr) & idMask;
                long k2 = (id - tailId) & idMask;
                if ((id & (count - 1)) == slot && k2 <= distance) {
                    if (n == order.length) {
                        order = Arrays.copyOf(order, n * 2);
                    }
                    order[n++] = k2;
                }
            }
            Arrays.sort(order, 0, n);
            w.note(String.format(Locale.ROOT, "tail_id 0x%x and head_id 0x%x are %d ids apart in a ring of %d descriptors",
                    tailId, headId, distance, count));
            for (int i = 0; i < n && !w.stopped; i++) {
                w.record((tailId + order[i]) & idMask);
            }
        }
        return new Dmesg(Dmesg.Source.LOCKLESS_RINGBUFFER, w.records, callerOff.isPresent(), null, w.damage);
    }

    /** {@code clear_seq}: a u64 before 5.13, then a {@code latched_seq} whose value is {@code val[seq & 1]}. */
    private static OptionalLong clearSeq(VmcoreInfo info, KernelAddressSpace space) throws IOException {
        OptionalLong sym = info.symbol("clear_seq");
        if (sym.isEmpty()) {
            return OptionalLong.empty();
        }
        long v = space.readLong(sym.getAsLong());
        if (info.size("latched_seq").isPresent()) {
            PrintkLayout k = new PrintkLayout(info);
            long valOff = k.offset("latched_seq.val");
            k.check("clear_seq");
            v = space.readLong(sym.getAsLong() + valOff + (v & 1) * 8);
        }
        return OptionalLong.of(v);
    }

    /** One pass over descriptors; keeps the records and the first defect found. */
    private static final class Walk {
        final VirtualRegion descs;
        final VirtualRegion infos;
        final VirtualRegion data;
        final long descSize;
        final long infoSize;
        final long stateOff;
        final long beginOff;
        final long nextOff;
        final long tsOff;
        final long textLenOff;
        final OptionalLong callerOff;
        final int ptr;
        final long idMask;
        final int stateShift;
        final long count;
        final long size;
        final List<Dmesg.Record> records = new ArrayList<>();
        long textBytes;
        String damage;
        boolean stopped;
        /** With {@link #seqOff} >= 0: only records whose sequence number is at least this. */
        long minSeq;
        long seqOff = -1;

        Walk(VirtualRegion descs, VirtualRegion infos, VirtualRegion data, long descSize, long infoSize, long stateOff,
                long beginOff, long nextOff, long tsOff, long textLenOff, OptionalLong callerOff, int ptr, long idMask,
                int stateShift, long count, long size) {
            this.descs = descs;
            this.infos = infos;
            this.data = data;
            this.descSize = descSize;
            this.infoSize = infoSize;
            this.stateOff = stateOff;
            this.beginOff = beginOff;
            this.nextOff = nextOff;
            this.tsOff = tsOff;
            this.textLenOff = textLenOff;
            this.callerOff = callerOff;
            this.ptr = ptr;
            this.idMask = idMask;
            this.stateShift = stateShift;
            this.count = count;
            this.size = size;
        }

        /** Keeps the first defect: later ones are usually its consequences. */
        void note(String what) {
            if (damage == null) {
                damage = what;
            }
        }

        void record(long id) throws IOException {
            long slot = id & (count - 1);
            long desc = slot * descSize;
            long sv = descs.unsigned(desc + stateOff, ptr);
            long state = (sv >>> stateShift) & 3;
            if ((sv & idMask) != id || (state != STATE_COMMITTED && state != STATE_FINALIZED)) {
                return; // not (or no longer) this record, or still being written
            }
            long begin = descs.unsigned(desc + beginOff, ptr) & (size - 1);
            long next = descs.unsigned(desc + nextOff, ptr) & (size - 1);
            if (begin == next) {
                return; // a record without text (its block could not be allocated)
            }
            long info = slot * infoSize;
            if (seqOff >= 0 && Long.compareUnsigned(infos.u64(info + seqOff), minSeq) < 0) {
                return;
            }
            int textLen = infos.u16(info + textLenOff);
            if (begin > next) {
                begin = 0;
            }
            begin += ptr; // the block starts with its id
            // the kernel truncates text that did not fit its block but keeps the full length in text_len
            if (next >= begin && next - begin < textLen) {
                textLen = (int) (next - begin);
            }
            if (begin + textLen > size) {
                // only a damaged descriptor gets here; makedumpfile would read past its copy of the ring
                textLen = (int) Math.max(0, size - begin);
                note(String.format(Locale.ROOT, "text of record id 0x%x runs past the end of the text data ring", id));
            }
            textBytes += textLen;
            if (textBytes > size) {
                note("the records claim more text than the " + size + "-byte text data ring holds; the log stops there");
                stopped = true;
                return;
            }
            byte[] text = new byte[textLen];
            data.read(begin, text, 0, textLen);
            long ts = infos.u64(info + tsOff);
            int facility = 0;
            int level = 0;
            int caller = 0;
            if (callerOff.isPresent()) {
                long c = callerOff.getAsLong();
                caller = (int) infos.u32(info + c);
                if (c >= 2) {
                    facility = infos.u8(info + c - 2);
                    level = Dmesg.levelOf(infos.u8(info + c - 1), infos.littleEndian());
                }
            } else if (textLenOff + 4 <= infoSize) {
                facility = infos.u8(info + textLenOff + 2);
                level = Dmesg.levelOf(infos.u8(info + textLenOff + 3), infos.littleEndian());
            }
            records.add(new Dmesg.Record(ts, level, facility, callerOff.isPresent(), caller, text));
        }
    }
}
