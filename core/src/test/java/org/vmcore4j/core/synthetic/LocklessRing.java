package org.vmcore4j.core.synthetic;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a Linux 5.10+ lockless {@code printk_ringbuffer} into a {@link SyntheticKernel} the way
 * the kernel's writer fills it (kernel/printk/printk_ringbuffer.[ch] facts): ids start at
 * {@code DESC0_ID = -(count + 1)} masked to the id bits, text positions at {@code -size}, each
 * text block is {@code ALIGN(8 + text_len, 8)} bytes starting with the record id, a block that
 * would cross the end of the ring is placed at its start (its id written at both places), and
 * old records are recycled (state reusable, tails pushed) when either ring is full. The structure
 * layouts and VMCOREINFO keys are those of x86_64 Linux 6.1.
 */
public final class LocklessRing {
    public static final long ID_MASK = ~(3L << 62);
    public static final int RESERVED = 0;
    public static final int COMMITTED = 1;
    public static final int FINALIZED = 2;
    public static final int REUSABLE = 3;
    public static final long FAILED_LPOS = 1;

    static final int DESC_SIZE = 24;
    static final int INFO_SIZE = 88;

    private final SyntheticKernel k;
    private final long count;
    private final long size;
    private final long prb;
    private final long descs;
    private final long infos;
    private final long data;
    private final long clearSeq;
    private final long prbVar;
    private final List<Msg> msgs = new ArrayList<>();
    private final List<long[]> blocks = new ArrayList<>(); // per message: begin, next lpos
    private final List<Boolean> live = new ArrayList<>();
    private long headLpos;
    private long dataTail;
    private long tailIndex = -1; // -1: DESC0, the kernel's initial placeholder descriptor
    private long dataOldest;

    /** A ring of {@code 2^countBits} descriptors and {@code 2^sizeBits} text bytes (text ring in vmalloc space when asked). */
    public LocklessRing(SyntheticKernel k, int countBits, int sizeBits, boolean vmallocText) {
        this.k = k;
        this.count = 1L << countBits;
        this.size = 1L << sizeBits;
        this.prbVar = k.imageAlloc(8, 8);
        this.prb = k.imageAlloc(88, 64);
        k.putLong(prbVar, prb);
        this.descs = k.heapAlloc(count * DESC_SIZE, 64);
        this.infos = k.heapAlloc(count * INFO_SIZE, 64);
        this.data = vmallocText ? k.vmalloc(size) : k.heapAlloc(size, 4096);
        this.clearSeq = k.imageAlloc(24, 8);
        k.putInt(prb, countBits);
        k.putLong(prb + 8, descs);
        k.putLong(prb + 16, infos);
        k.putInt(prb + 48, sizeBits);
        k.putLong(prb + 56, data);
        headLpos = -size; // BLK0_LPOS
        dataTail = headLpos;
        // DESC0: the last slot, reusable, with no data; infos[0].seq starts one generation back
        long desc0 = desc0Id();
        putDesc(desc0, (3L << 62) | desc0, FAILED_LPOS, FAILED_LPOS);
        k.putLong(infos, -count);
        writeHeads();
        for (String line : vmcoreInfo(prbVar, clearSeq)) {
            k.info(line);
        }
    }

    long desc0Id() {
        return -(count + 1) & ID_MASK;
    }

    /** The id of the {@code i}-th message appended. */
    public long id(int i) {
        return (desc0Id() + 1 + i) & ID_MASK;
    }

    public long descAddress(long id) {
        return descs + (id & (count - 1)) * DESC_SIZE;
    }

    public long infoAddress(long id) {
        return infos + (id & (count - 1)) * INFO_SIZE;
    }

    public long prb() {
        return prb;
    }

    public long dataAddress() {
        return data;
    }

    /** Where the ring lives, as {vaddr, length} pairs: what a damage test may overwrite. */
    public List<long[]> regions() {
        return List.of(new long[] {prbVar, 8}, new long[] {prb, 88}, new long[] {descs, count * DESC_SIZE},
                new long[] {infos, count * INFO_SIZE}, new long[] {data, size}, new long[] {clearSeq, 24});
    }

    private void putDesc(long id, long sv, long begin, long next) {
        long d = descAddress(id);
        k.putLong(d, sv);
        k.putLong(d + 8, begin);
        k.putLong(d + 16, next);
    }

    private void setState(int i, int state) {
        k.putLong(descAddress(id(i)), ((long) state << 62) | id(i));
    }

    /** Appends {@code m}; {@code state} is what its descriptor ends up in (FINALIZED normally). */
    public void add(Msg m, int state) {
        int i = msgs.size();
        long id = id(i);
        // the descriptor ring holds ids (tail, head]: recycle the record whose slot this one takes
        while (i - tailIndex >= count) {
            tailIndex++;
            if (tailIndex >= 0) {
                dropData((int) tailIndex);
            }
        }
        long begin;
        long next;
        if (m.text().length == 0) {
            begin = FAILED_LPOS; // no text: a data-less block
            next = FAILED_LPOS;
        } else {
            long blk = (8 + m.text().length + 7) & -8L;
            if (blk > size / 2) {
                throw new IllegalArgumentException("message too long for the ring");
            }
            begin = headLpos;
            next = begin + blk;
            if ((begin >>> log2(size)) != (next >>> log2(size))) {
                next = (next & -size) + blk; // wraps: the data goes to the start of the ring
            }
            while (next - dataTail > size) {
                dropData((int) dataOldest);
            }
            headLpos = next;
            long at = begin & (size - 1);
            k.putLong(data + at, id);
            long textAt = at + 8;
            if ((begin & -size) != (next & -size)) {
                k.putLong(data, id);
                textAt = 8;
            }
            k.putBytes(data + textAt, m.text());
        }
        msgs.add(m);
        blocks.add(new long[] {begin, next});
        live.add(true);
        putDesc(id, ((long) state << 62) | id, begin, next);
        long inf = infoAddress(id);
        k.putLong(inf, i);
        k.putLong(inf + 8, m.tsNanos());
        k.putShort(inf + 16, m.text().length);
        k.putByte(inf + 18, m.facility());
        k.putByte(inf + 19, (m.level() << 5) | (m.flags() & 0x1f));
        k.putInt(inf + 20, m.caller());
        if (state != COMMITTED && state != FINALIZED) {
            live.set(i, false);
        }
        writeHeads();
    }

    public void add(Msg m) {
        add(m, FINALIZED);
    }

    /** The data tail moves past message {@code j}'s block: the record is gone (descriptor reusable). */
    private void dropData(int j) {
        while (dataOldest <= j) {
            int o = (int) dataOldest++;
            long[] b = blocks.get(o);
            if (b[0] != b[1] || b[0] != FAILED_LPOS) {
                dataTail = Math.max(dataTail, b[1]); // positions start at -size and never come near overflow here
            }
            if (live.get(o)) {
                live.set(o, false);
                setState(o, REUSABLE);
            }
        }
    }

    private void writeHeads() {
        long head = msgs.isEmpty() ? desc0Id() : id(msgs.size() - 1);
        long tail = tailIndex < 0 ? desc0Id() : id((int) tailIndex);
        k.putLong(prb + 24, head);
        k.putLong(prb + 32, tail);
        k.putLong(prb + 64, headLpos);
        k.putLong(prb + 72, dataTail);
    }

    /** Sets {@code clear_seq}: a plain u64 (before 5.13) or a latched_seq whose current copy is val[seq & 1]. */
    public void clearSeq(long seq, boolean latched) {
        if (latched) {
            k.putLong(clearSeq, 3); // odd latch sequence: readers take val[1]
            k.putLong(clearSeq + 8, 0xdeadbeefL);
            k.putLong(clearSeq + 16, seq);
        } else {
            k.putLong(clearSeq, seq);
        }
    }

    /** Messages a reader must print, oldest first: those whose record survived, committed or finalized, with text. */
    public List<Msg> expected() {
        return expectedFrom(0);
    }

    /** {@link #expected()} restricted to sequence numbers from {@code seq} on. */
    public List<Msg> expectedFrom(long seq) {
        List<Msg> out = new ArrayList<>();
        for (int i = (int) Math.max(seq, 0); i < msgs.size(); i++) {
            if (live.get(i) && msgs.get(i).text().length > 0) {
                out.add(msgs.get(i));
            }
        }
        return out;
    }

    private static int log2(long v) {
        return 63 - Long.numberOfLeadingZeros(v);
    }

    /** The keys kernel/printk/printk.c exports for this ring, with x86_64 6.1's sizes and offsets. */
    static List<String> vmcoreInfo(long prbVar, long clearSeq) {
        List<String> l = new ArrayList<>(List.of(
                "SYMBOL(prb)=" + Long.toHexString(prbVar),
                "SYMBOL(clear_seq)=" + Long.toHexString(clearSeq),
                "SIZE(printk_ringbuffer)=88",
                "OFFSET(printk_ringbuffer.desc_ring)=0",
                "OFFSET(printk_ringbuffer.text_data_ring)=48",
                "OFFSET(printk_ringbuffer.fail)=80",
                "SIZE(prb_desc_ring)=48",
                "OFFSET(prb_desc_ring.count_bits)=0",
                "OFFSET(prb_desc_ring.descs)=8",
                "OFFSET(prb_desc_ring.infos)=16",
                "OFFSET(prb_desc_ring.head_id)=24",
                "OFFSET(prb_desc_ring.tail_id)=32",
                "SIZE(prb_desc)=24",
                "OFFSET(prb_desc.state_var)=0",
                "OFFSET(prb_desc.text_blk_lpos)=8",
                "SIZE(prb_data_blk_lpos)=16",
                "OFFSET(prb_data_blk_lpos.begin)=0",
                "OFFSET(prb_data_blk_lpos.next)=8",
                "SIZE(printk_info)=88",
                "OFFSET(printk_info.seq)=0",
                "OFFSET(printk_info.ts_nsec)=8",
                "OFFSET(printk_info.text_len)=16",
                "OFFSET(printk_info.caller_id)=20",
                "OFFSET(printk_info.dev_info)=24",
                "SIZE(prb_data_ring)=32",
                "OFFSET(prb_data_ring.size_bits)=0",
                "OFFSET(prb_data_ring.data)=8",
                "OFFSET(prb_data_ring.head_lpos)=16",
                "OFFSET(prb_data_ring.tail_lpos)=24",
                "SIZE(atomic_long_t)=8",
                "OFFSET(atomic_long_t.counter)=0",
                "SIZE(latched_seq)=24",
                "OFFSET(latched_seq.val)=8"));
        return l;
    }
}
