package org.vmcore4j.collector;

import java.util.Arrays;

import org.vmcore4j.filter.FilterCycle;
import org.vmcore4j.filter.PfnBitmap;

/** Dumpable pages per split block, as get_num_dumpable_cyclic_withsplit tabulates them. */
final class SplitblockCounter {
    /** Most split blocks we count (8 bytes each): finer {@code --splitblock-size}s are refused. */
    static final long MAX_SPLITBLOCKS = 1L << 22;

    private final long pagesPerBlock;
    private long[] table = new long[16];
    private int blocks;
    private long inBlock;
    private long dumpableInBlock;
    private long nextPfn;

    SplitblockCounter(long pagesPerBlock) {
        this.pagesPerBlock = pagesPerBlock;
    }

    void add(FilterCycle cycle) {
        PfnBitmap d = cycle.dumpable();
        long pfn = cycle.startPfn();
        if (pfn != nextPfn) {
            throw new IllegalStateException("cycles out of order at PFN " + pfn);
        }
        long end = cycle.endPfn();
        while (pfn < end) {
            long n = Math.min(end - pfn, pagesPerBlock - inBlock);
            dumpableInBlock += d.cardinality(pfn, pfn + n);
            inBlock += n;
            pfn += n;
            if (inBlock == pagesPerBlock) {
                // only whole blocks enter the table; a partial last block counts as empty, as in makedumpfile
                if (blocks == table.length) {
                    if (blocks >= MAX_SPLITBLOCKS) {
                        throw new IllegalArgumentException("the split block size is too small: more than "
                                + MAX_SPLITBLOCKS + " split blocks");
                    }
                    table = Arrays.copyOf(table, blocks * 2);
                }
                table[blocks++] = dumpableInBlock;
                inBlock = 0;
                dumpableInBlock = 0;
            }
        }
        nextPfn = end;
    }

    /** End PFN of each file's range (calculate_end_pfn_by_splitblock; the last file ends at max_mapnr). */
    long[] splitEnds(long maxMapnr, long dumpable, int files) {
        long totalBlocks = (maxMapnr + pagesPerBlock - 1) / pagesPerBlock;
        long[] ends = new long[files];
        int cursor = 0;
        long end = 0;
        for (int i = 0; i < files - 1; i++) {
            if (end < maxMapnr) {
                long needed = dumpable / files;
                while (cursor < totalBlocks && needed > 0) {
                    needed -= cursor < blocks ? table[cursor] : 0;
                    cursor++;
                }
                end = Math.min((long) cursor * pagesPerBlock, maxMapnr);
            }
            ends[i] = end;
        }
        ends[files - 1] = maxMapnr;
        return ends;
    }

    /** Dumpable pages of each file's range: its whole blocks, and the partial last block for the last file. */
    long[] perFile(long[] ends) {
        long[] counts = new long[ends.length];
        long start = 0;
        for (int i = 0; i < ends.length; i++) {
            long fromBlock = start / pagesPerBlock;
            long toBlock = Math.min(blocks, (ends[i] + pagesPerBlock - 1) / pagesPerBlock);
            for (long b = fromBlock; b < toBlock; b++) {
                counts[i] += table[(int) b];
            }
            if (ends[i] > (long) blocks * pagesPerBlock && start <= (long) blocks * pagesPerBlock) {
                counts[i] += dumpableInBlock; // the partial last block
            }
            start = ends[i];
        }
        return counts;
    }
}
