package org.vmcore4j.filter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;

/**
 * The dump's memory segments the way makedumpfile counts them.
 *
 * <p>{@link #loads} are the per-PT_LOAD physical extents that build the 1st bitmap and the "Memory
 * Hole" count. makedumpfile counts every PT_LOAD separately, so pages an x86_64 vmcore maps twice
 * (the kernel-text PT_LOAD over the RAM PT_LOAD) are counted twice in "Original pages"; to reproduce
 * that, the extents come from the dump's stated mappings (one per PT_LOAD with a virtual address),
 * and whatever RAM no mapping covers is added as extra extents.
 *
 * <p>That holds for ELF input. Any other input (a kdump-compressed dump being filtered again) has
 * its own RAM bitmap, which makedumpfile copies and counts bit by bit (copy_1st_bitmap_from_memory):
 * then the ranges are the extents and {@link #exactHoleCount} is set.
 *
 * <p>{@link #dataFirstPfn}/{@link #dataEndPfn} are the frames whose first byte lies in a range
 * (makedumpfile's is_in_segs, before the per-frame status check).
 */
final class Segments {
    final long[] loadStart;
    final long[] loadEnd;
    final long[] dataFirstPfn;
    final long[] dataEndPfn;
    /** Count the memory hole as the exact complement of the RAM bitmap (non-ELF input). */
    final boolean exactHoleCount;

    private Segments(List<long[]> loads, List<long[]> data, boolean exactHoleCount) {
        this.exactHoleCount = exactHoleCount;
        loadStart = new long[loads.size()];
        loadEnd = new long[loads.size()];
        for (int i = 0; i < loads.size(); i++) {
            loadStart[i] = loads.get(i)[0];
            loadEnd[i] = loads.get(i)[1];
        }
        dataFirstPfn = new long[data.size()];
        dataEndPfn = new long[data.size()];
        for (int i = 0; i < data.size(); i++) {
            dataFirstPfn[i] = data.get(i)[0];
            dataEndPfn[i] = data.get(i)[1];
        }
    }

    /**
     * @param perLoad whether the memory comes from ELF PT_LOADs whose stated mappings are the
     *                segments makedumpfile counts one by one
     */
    static Segments of(PhysicalMemory memory, List<VirtualMapping> mappings, boolean perLoad) {
        int shift = Integer.numberOfTrailingZeros(memory.pageSize());
        long mask = memory.pageSize() - 1L;
        List<PhysicalRange> ranges = memory.ranges();
        List<long[]> loads = new ArrayList<>();
        List<long[]> covered = new ArrayList<>();
        for (VirtualMapping m : perLoad ? mappings : List.<VirtualMapping>of()) {
            long s = m.physicalAddress();
            long e = s + m.size();
            if (m.size() <= 0 || Long.compareUnsigned(e, s) < 0) {
                continue; // wraps around the physical address space: not a segment
            }
            // Only the part that is RAM in the dump: a mapping never adds memory the ranges lack.
            for (PhysicalRange r : ranges) {
                long a = Math.max(s, r.start());
                long b = Math.min(e, r.end());
                if (a < b) {
                    loads.add(new long[] {a, b});
                    covered.add(new long[] {a, b});
                }
            }
        }
        covered.sort(Comparator.comparingLong(x -> x[0]));
        for (PhysicalRange r : ranges) {
            long pos = r.start();
            for (long[] c : covered) {
                if (c[1] <= pos || c[0] >= r.end()) {
                    continue;
                }
                if (c[0] > pos) {
                    loads.add(new long[] {pos, c[0]});
                }
                pos = Math.max(pos, c[1]);
            }
            if (pos < r.end()) {
                loads.add(new long[] {pos, r.end()});
            }
        }
        List<long[]> data = new ArrayList<>();
        for (PhysicalRange r : ranges) {
            long first = (r.start() + mask) >>> shift;
            long end = (r.end() + mask) >>> shift;
            if (first < end) {
                data.add(new long[] {first, end});
            }
        }
        return new Segments(loads, data, !perLoad);
    }
}
