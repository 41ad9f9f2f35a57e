package org.vmcore4j.core;

import java.io.IOException;
import java.util.List;

/**
 * The crashed machine's physical memory as a dump holds it: which page frames were RAM, which of
 * those the dump stores, and their bytes. Thread-safe for reads.
 */
public interface PhysicalMemory {

    /** {@return page size of the crashed kernel in bytes (a power of two)} */
    int pageSize();

    /** {@return RAM ranges the dump describes, sorted by start, non-overlapping and merged where adjacent} */
    List<PhysicalRange> ranges();

    /** {@return one past the highest page frame number that is RAM (makedumpfile's {@code max_mapnr})} */
    long endPfn();

    /**
     * What the dump knows about frame {@code pfn}.
     *
     * @param pfn a page frame number
     * @return what the dump knows about frame {@code pfn}
     */
    PageStatus status(long pfn);

    /**
     * One past the last frame of the run that starts at {@code pfn} and whose every frame has
     * {@code status(pfn)}; at least {@code pfn + 1}. A scan asks once per run instead of once per
     * frame. Implementations that know their layout (a segment, a bitmap word) answer with whole runs;
     * the default answers one frame at a time, which is always correct.
     *
     * @param pfn a page frame number
     * @return one past the last frame of the run that starts at {@code pfn} and whose every frame
     *         has {@code status(pfn)}; at least {@code pfn + 1}
     */
    default long statusRunEnd(long pfn) {
        return pfn + 1;
    }

    /**
     * Reads {@code len} bytes at physical address {@code paddr}. Throws {@link MemoryAccessException}
     * if any byte of the range is in a frame whose status is not {@link PageStatus#PRESENT}, except
     * where the format defines such bytes as zeros (ELF segments whose memory size exceeds their
     * file size), and {@link VmcoreFormatException} if the dump is damaged where the bytes should be.
     *
     * @param paddr a physical address
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @throws IOException if reading or writing fails
     */
    void read(long paddr, byte[] dst, int off, int len) throws IOException;

    /**
     * Reads up to {@code len} bytes at physical address {@code paddr} and says how far it got: where
     * {@link #read} would throw {@link MemoryAccessException} or {@link VmcoreFormatException}, this
     * returns the bytes read before the first missing byte and the reason (not RAM, excluded, lost,
     * corrupt), so a caller reading around holes and filtered pages needs no exception handling.
     * Both reads agree on every byte: this one is built on the other.
     *
     * @param paddr a physical address
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @return the value read
     * @throws IOException if reading the file itself fails (an I/O error, a closed dump)
     */
    default ReadResult readAvailable(long paddr, byte[] dst, int off, int len) throws IOException {
        return AvailableReads.physical(this, paddr, dst, off, len);
    }

    /**
     * Which frames of {@code [0, endPfn())} the dump holds, excluded, lost or never had as RAM, as an
     * immutable value read once (see {@link PageStatusMap} for its cost).
     *
     * @return which frames of {@code [0, endPfn())} the dump holds, excluded, lost or never had as
     *         RAM, as an immutable value read once (see {@link PageStatusMap} for its cost)
     * @throws java.io.UncheckedIOException if the dump cannot be read where the statuses are stored
     */
    default PageStatusMap statusMap() {
        return PageStatusMap.of(this, 0, endPfn());
    }

    /**
     * As {@link #statusMap()}, for the frames {@code [firstPfn, endPfn)} only; frames past
     * {@link #endPfn()} are {@link PageStatus#NOT_RAM}.
     *
     * @param firstPfn the first frame
     * @param endPfn one past the last frame
     * @return the status of every frame
     * @throws IllegalArgumentException if the range is negative or reversed
     */
    default PageStatusMap statusMap(long firstPfn, long endPfn) {
        return PageStatusMap.of(this, firstPfn, endPfn);
    }

    /**
     * Reads the whole page {@code pfn} into {@code dst[off..off+pageSize)}.
     *
     * @param pfn a page frame number
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @throws IOException if reading or writing fails
     */
    default void readPage(long pfn, byte[] dst, int off) throws IOException {
        read(pfn * pageSize(), dst, off, pageSize());
    }

    /** {@return total bytes of RAM described, summed over {@link #ranges()}} */
    default long totalBytes() {
        long sum = 0;
        for (PhysicalRange r : ranges()) {
            sum += r.size();
        }
        return sum;
    }
}
