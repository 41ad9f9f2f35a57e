package org.vmcore4j.core.synthetic;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a Linux 3.5-5.9 printk record buffer into a {@link SyntheticKernel} as the kernel's
 * log_store does (kernel/printk/printk.c facts): records of header, text, dictionary and padding
 * to the record alignment; old records dropped from {@code log_first_idx} until there is room for
 * the record plus one more header; a zeroed header at the end of the used space when the record
 * does not fit before the end, the record then going to offset 0.
 *
 * <p>Layouts: {@code struct printk_log} as x86_64 builds it (packed, aligned to 4: 16 bytes, 20
 * with CONFIG_PRINTK_CALLER), or 3.5-3.10's {@code struct log} (16 bytes, aligned to 8).
 */
public final class RecordBuffer {
    public static final int LOG_CONT = 8;

    private final SyntheticKernel k;
    private final long buf;
    private final int len;
    private final int header;
    private final int align;
    private final boolean callers;
    private final long firstIdxVar;
    private final long nextIdxVar;
    private final long clearIdxVar;
    private final long logBufVar;
    private final long lenVar;
    private final List<Msg> msgs = new ArrayList<>();
    private final List<Integer> idx = new ArrayList<>();
    private long firstSeq;
    private long nextSeq;
    private int firstIdx;
    private int nextIdx;

    /**
     * @param legacyStruct 3.5-3.10's {@code struct log} (exported as SIZE(log)/OFFSET(log.*)) instead of {@code printk_log}
     */
    public RecordBuffer(SyntheticKernel k, int len, boolean callers, boolean legacyStruct) {
        this.k = k;
        this.len = len;
        this.callers = callers && !legacyStruct;
        this.header = this.callers ? 20 : 16;
        this.align = legacyStruct ? 8 : 4;
        logBufVar = k.imageAlloc(8, 8);
        lenVar = k.imageAlloc(4, 4);
        firstIdxVar = k.imageAlloc(4, 4);
        nextIdxVar = k.imageAlloc(4, 4);
        clearIdxVar = k.imageAlloc(4, 4);
        buf = k.heapAlloc(len, 8);
        k.putLong(logBufVar, buf);
        k.putInt(lenVar, len);
        String s = legacyStruct ? "log" : "printk_log";
        k.info("SYMBOL(log_buf)=" + Long.toHexString(logBufVar));
        k.info("SYMBOL(log_buf_len)=" + Long.toHexString(lenVar));
        k.info("SYMBOL(log_first_idx)=" + Long.toHexString(firstIdxVar));
        k.info("SYMBOL(clear_idx)=" + Long.toHexString(clearIdxVar));
        k.info("SYMBOL(log_next_idx)=" + Long.toHexString(nextIdxVar));
        k.info("SIZE(" + s + ")=" + header);
        k.info("OFFSET(" + s + ".ts_nsec)=0");
        k.info("OFFSET(" + s + ".len)=8");
        k.info("OFFSET(" + s + ".text_len)=10");
        k.info("OFFSET(" + s + ".dict_len)=12");
        if (this.callers) {
            k.info("OFFSET(printk_log.caller_id)=16");
        }
        writeIndices();
    }

    /** Where the buffer and its variables live, as {vaddr, length} pairs: what a damage test may overwrite. */
    public List<long[]> regions() {
        return List.of(new long[] {logBufVar, 8}, new long[] {lenVar, 4}, new long[] {firstIdxVar, 4},
                new long[] {nextIdxVar, 4}, new long[] {clearIdxVar, 4}, new long[] {buf, len});
    }

    public long buffer() {
        return buf;
    }

    public int length() {
        return len;
    }

    /** Offset in log_buf of the record of message {@code i}. */
    public int index(int i) {
        return idx.get(i);
    }

    private int u16(int off) {
        long p = k.phys(buf + off);
        return (k.memory().bytes()[(int) p] & 0xff) | (k.memory().bytes()[(int) p + 1] & 0xff) << 8;
    }

    private int next(int i) {
        int l = u16(i + 8);
        return l == 0 ? u16(8) : i + l;
    }

    private boolean hasSpace(int size, boolean empty) {
        int free = nextIdx > firstIdx || empty ? Math.max(len - nextIdx, firstIdx) : firstIdx - nextIdx;
        return free >= size + header;
    }

    public void add(Msg m) {
        add(m, new byte[0]);
    }

    /** Stores {@code m} with a dictionary (which readers of the text must not print). */
    public void add(Msg m, byte[] dict) {
        int size = header + m.text().length + dict.length;
        size += (-size) & (align - 1);
        while (firstSeq < nextSeq && !hasSpace(size, false)) {
            firstIdx = next(firstIdx);
            firstSeq++;
        }
        if (!hasSpace(size, firstSeq == nextSeq)) {
            throw new IllegalArgumentException("message does not fit log_buf");
        }
        if (nextIdx + size + header > len) {
            for (int i = 0; i < header; i++) {
                k.putByte(buf + nextIdx + i, 0);
            }
            nextIdx = 0;
        }
        long r = buf + nextIdx;
        k.putLong(r, m.tsNanos());
        k.putShort(r + 8, size);
        k.putShort(r + 10, m.text().length);
        k.putShort(r + 12, dict.length);
        k.putByte(r + 14, m.facility());
        k.putByte(r + 15, (m.level() << 5) | (m.flags() & 0x1f));
        if (callers) {
            k.putInt(r + 16, m.caller());
        }
        k.putBytes(r + header, m.text());
        k.putBytes(r + header + m.text().length, dict);
        msgs.add(m);
        idx.add(nextIdx);
        nextIdx += size;
        nextSeq++;
        writeIndices();
    }

    /** Sets {@code clear_idx} to the record of message {@code i} (as {@code dmesg -c} after message i-1). */
    public void clearBefore(int i) {
        k.putInt(clearIdxVar, idx.get(i));
    }

    private void writeIndices() {
        k.putInt(firstIdxVar, firstIdx);
        k.putInt(nextIdxVar, nextIdx);
    }

    /** The messages still in the buffer, oldest first. */
    public List<Msg> expected() {
        return new ArrayList<>(msgs.subList((int) firstSeq, msgs.size()));
    }

    public List<Msg> expectedFrom(int i) {
        return new ArrayList<>(msgs.subList(Math.max(i, (int) firstSeq), msgs.size()));
    }

    /** Overwrites the {@code len} field of message {@code i}'s record (to damage the chain). */
    public void setRecordLength(int i, int recordLen) {
        k.putShort(buf + idx.get(i) + 8, recordLen);
    }

    public void setFirstIndex(int v) {
        k.putInt(firstIdxVar, v);
    }

    public void setNextIndex(int v) {
        k.putInt(nextIdxVar, v);
    }
}
