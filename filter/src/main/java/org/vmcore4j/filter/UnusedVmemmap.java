package org.vmcore4j.filter;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.UnsupportedDumpException;
import org.vmcore4j.core.arch.UnmappedAddressException;

/**
 * makedumpfile 1.7.9's {@code -e}: the pages of the kernel's virtual memory map ({@code struct page}
 * array, "vmemmap") whose struct pages describe only frames the dump leaves out. They are kernel data,
 * so the 2nd bitmap keeps them; {@code -e} takes them out too, since nothing in the dump needs them.
 *
 * <p>Two steps, as there. {@link #locate} maps the vmemmap to physical memory (find_vmemmap_x86_64 in
 * arch/x86_64.c; on aarch64 from the struct page of its first frame of RAM): the vmemmap is walked in
 * 2 MiB steps from its base, each translated through the kernel's page tables, and grouped into
 * physically contiguous runs, each recording the frame of its first vmemmap page and the range of PFNs
 * its struct pages stand for. Then, once the whole 2nd bitmap is known, a {@link Finder} looks for runs
 * of at least two whole 64-frame words that are all RAM (1st bitmap) and all left out (2nd bitmap),
 * within blocks of 32768 frames (the bitmap block makedumpfile reads at a time; runs do not cross
 * them), and turns each into the vmemmap pages holding only those struct pages
 * (find_unused_vmemmap_pages, find_vmemmap_pages in makedumpfile.c). The resulting {@link VmemmapDeletions}
 * are cleared from the 2nd bitmap (delete_unused_vmemmap_pages) without being counted in any class, so
 * the report's figures stay those of the plain level.
 *
 * <p>Reproduced as there, quirks included, where they decide which pages go: a group's last PFN is
 * taken as the first PFN of its last 2 MiB step, so the struct pages of a group's last step are never
 * freed; a run must fit one group. Two differences, both where makedumpfile would free the wrong
 * pages: each 2 MiB step is translated on its own (makedumpfile walks the tables positionally and does
 * not advance its address over an unpopulated PUD or PGD entry, so after a 1 GiB hole in the vmemmap
 * it attributes struct pages to the wrong PFNs), and the memory's extent comes from the dump's own
 * ranges whatever its format (makedumpfile takes it from ELF PT_LOADs only; on a kdump-compressed
 * input it sees none and frees low-memory pages that are not vmemmap at all).
 */
final class UnusedVmemmap {
    /** makedumpfile's BUFSIZE_BITMAP * 8: frames per bitmap block; word runs end at block boundaries. */
    static final long BLOCK_PFNS = 4096 * 8;
    private static final int WORD_PFNS = 64;
    private static final long HUGE_PAGE = 2L << 20;
    /** Most 2 MiB vmemmap steps walked: 8 TiB of struct pages (2^37 frames), bounding a hostile dump's walk. */
    static final long MAX_STEPS = 1L << 22;

    /** Cannot map the vmemmap to physical memory: makedumpfile then carries on without {@code -e}. */
    static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;
        NotFound(String why) {
            super(why);
        }
    }

    private final int pageSize;
    private final int structPageSize;
    /** Per group: frame of its first vmemmap page, first and last PFN its struct pages stand for. */
    private final long[] vmapPfnStart;
    private final long[] repPfnStart;
    private final long[] repPfnEnd;
    private final int groups;

    UnusedVmemmap(int pageSize, int structPageSize, long[] vmapPfnStart, long[] repPfnStart,
            long[] repPfnEnd, int groups) {
        this.pageSize = pageSize;
        this.structPageSize = structPageSize;
        this.vmapPfnStart = vmapPfnStart;
        this.repPfnStart = repPfnStart;
        this.repPfnEnd = repPfnEnd;
        this.groups = groups;
    }

    int groups() {
        return groups;
    }

    /** Group {@code i} as makedumpfile's debug output shows it: first vmemmap frame, first and last PFN. */
    long[] group(int i) {
        return new long[] {vmapPfnStart[i], repPfnStart[i], repPfnEnd[i]};
    }

    /**
     * The vmemmap's base: where a virtual memory map puts the struct page of frame 0, checked against
     * every mem_map range (makedumpfile takes the first section's mem_map).
     *
     * @throws NotFound if the struct pages are not one virtual array (SPARSEMEM without VMEMMAP, FLATMEM)
     */
    static long vmemmapBase(MemMap memMap, int structPageSize) throws NotFound {
        if (memMap == null || memMap.count == 0 || structPageSize <= 0) {
            throw new NotFound("the struct page array is unknown");
        }
        long base = memMap.memMap[0] - memMap.pfnStart[0] * structPageSize;
        for (int i = 1; i < memMap.count; i++) {
            if (memMap.memMap[i] - memMap.pfnStart[i] * structPageSize != base) {
                throw new NotFound(String.format(Locale.ROOT, "the struct pages of PFN 0x%x are not where a virtual memory map "
                        + "starting at 0x%x puts them (SPARSEMEM without VMEMMAP?)", memMap.pfnStart[i], base));
            }
        }
        return base;
    }

    /**
     * Maps the vmemmap of an x86_64 dump to physical memory, up to the struct page of the frame at the
     * end of the highest physical range (get_max_paddr).
     *
     * @param kas            the dump's kernel address space; one without a page-table walk cannot be used
     * @param base           {@link #vmemmapBase}
     * @param structPageSize SIZE(page)
     * @param firstPfn       the first frame with a mem_map; the vmemmap below it is a hole (aarch64)
     * @throws NotFound      with the reason, when the vmemmap cannot be mapped
     */
    static UnusedVmemmap locate(KernelAddressSpace kas, long base, int structPageSize, long firstPfn) throws NotFound {
        if (structPageSize <= 0 || structPageSize > PageLayout.MAX_STRUCT_PAGE_SIZE) {
            throw new NotFound("SIZE(page) " + structPageSize + " is not usable");
        }
        if ((base & (HUGE_PAGE - 1)) != 0) {
            throw new NotFound(String.format(Locale.ROOT, "the vmemmap base 0x%x is not 2 MiB aligned", base));
        }
        PhysicalMemory memory = kas.physicalMemory();
        int pageSize = memory.pageSize();
        long maxPaddr = 0;
        for (PhysicalRange r : memory.ranges()) {
            if (Long.compareUnsigned(r.end(), maxPaddr) > 0) {
                maxPaddr = r.end();
            }
        }
        long highPfn = maxPaddr >>> Integer.numberOfTrailingZeros(pageSize);
        if (highPfn > MAX_STEPS * HUGE_PAGE / structPageSize) {
            throw new NotFound(String.format(Locale.ROOT, "the physical memory (up to 0x%x) needs more than %d vmemmap steps",
                    maxPaddr, MAX_STEPS));
        }
        long firstStep = base + (firstPfn * structPageSize & -HUGE_PAGE);
        return new Walk(kas, pageSize, structPageSize, base, highPfn).run(firstStep);
    }

    /** find_vmemmap_x86_64's grouping of 2 MiB vmemmap steps into physically contiguous runs. */
    private static final class Walk {
        private final KernelAddressSpace kas;
        private final int pageSize;
        private final int structPageSize;
        private final long base;
        private final long highPfn;
        private long[] vmap = new long[8];
        private long[] repStart = new long[8];
        private long[] repEnd = new long[8];
        private int count;

        // the state makedumpfile keeps while stepping
        private boolean firstValid = true;
        private boolean lastValid;
        private boolean lastInvalid;
        private long offsetStart;
        private long offsetEnd;
        private long dataAddr;
        private long lastDataAddr;
        private long startDataAddr;
        private boolean anyValid;

        Walk(KernelAddressSpace kas, int pageSize, int structPageSize, long base, long highPfn) {
            this.kas = kas;
            this.pageSize = pageSize;
            this.structPageSize = structPageSize;
            this.base = base;
            this.highPfn = highPfn;
        }

        UnusedVmemmap run(long firstStep) throws NotFound {
            long vaddr = base;
            if (firstStep > base) { // one hole, as a run of unmapped steps is
                step(false, 0);
                offsetEnd += (firstStep - base) / HUGE_PAGE * HUGE_PAGE - HUGE_PAGE;
                vaddr = firstStep;
            }
            while ((vaddr - base) / structPageSize < highPfn) {
                long mapped;
                long unmappedSpan = HUGE_PAGE;
                try {
                    KernelAddressSpace.PageTranslation t = kas.walkPageTables(vaddr);
                    if (t.size() != HUGE_PAGE) {
                        // makedumpfile: "vmemmap pmd not huge, abort"
                        throw new NotFound(String.format(Locale.ROOT, "the vmemmap at 0x%x is mapped with %d-byte pages, not "
                                + "2 MiB ones", vaddr, t.size()));
                    }
                    mapped = t.physicalBase();
                } catch (UnmappedAddressException e) {
                    if (e.getCause() != null) {
                        throw new NotFound("a page table of the vmemmap cannot be read: " + e.getMessage());
                    }
                    unmappedSpan = e.entrySpan() < HUGE_PAGE ? 0 : e.entrySpan(); // a 4 KiB-mapped vmemmap, or not canonical
                    if (unmappedSpan == 0) {
                        throw new NotFound("the vmemmap is not mapped at 0x" + Long.toHexString(vaddr) + ": "
                                + e.getMessage());
                    }
                    mapped = -1;
                } catch (UnsupportedDumpException e) {
                    throw new NotFound("excluding unused vmemmap pages needs a walk of the kernel's page tables: "
                            + e.getMessage());
                } catch (IOException e) {
                    throw new NotFound("the vmemmap's page tables cannot be read: " + e.getMessage());
                }
                if (mapped >= 0) {
                    step(true, mapped);
                    vaddr += HUGE_PAGE;
                    continue;
                }
                // a hole: the whole unpopulated entry at once (consecutive invalid steps only move the end)
                step(false, 0);
                long holeEnd = (vaddr & -unmappedSpan) + unmappedSpan;
                long lastNeeded = base + ((highPfn * structPageSize + HUGE_PAGE - 1) / HUGE_PAGE) * HUGE_PAGE;
                long next = Math.min(holeEnd, lastNeeded);
                long more = (next - vaddr) / HUGE_PAGE - 1;
                offsetEnd += more * HUGE_PAGE;
                vaddr = next;
            }
            if (!anyValid) {
                throw new NotFound("no 2 MiB page of the vmemmap at 0x" + Long.toHexString(base) + " is mapped");
            }
            if (!lastInvalid) {
                // the last group; after a trailing hole makedumpfile records one more that stands for
                // the hole's PFNs at the last mapped page, which no struct page lives in: left out
                emit();
            }
            return new UnusedVmemmap(pageSize, structPageSize, vmap, repStart, repEnd, count);
        }

        private void step(boolean valid, long addr) {
            offsetEnd += HUGE_PAGE;
            boolean breakHere = false;
            boolean breakInValids = false;
            if (valid) {
                anyValid = true;
                dataAddr = addr;
                if (firstValid) {
                    startDataAddr = dataAddr;
                    lastDataAddr = startDataAddr - HUGE_PAGE;
                    firstValid = false;
                }
                if (lastInvalid) {
                    // the end of a hole: a new group starts here
                    startDataAddr = dataAddr;
                    lastDataAddr = startDataAddr - HUGE_PAGE;
                    breakHere = true;
                }
                lastValid = true;
                lastInvalid = false;
                if (dataAddr != lastDataAddr + HUGE_PAGE) {
                    breakHere = true; // not physically contiguous with the previous step
                    breakInValids = true;
                }
            } else {
                if (lastValid) {
                    breakHere = true; // the start of a hole ends the group
                    breakInValids = true;
                }
                lastValid = false;
                lastInvalid = true;
            }
            if (breakHere) {
                if (breakInValids) {
                    emit();
                }
                offsetStart = offsetEnd - HUGE_PAGE;
                startDataAddr = dataAddr;
            }
            lastDataAddr = dataAddr;
        }

        private void emit() {
            if (count == vmap.length) {
                vmap = Arrays.copyOf(vmap, count * 2);
                repStart = Arrays.copyOf(repStart, count * 2);
                repEnd = Arrays.copyOf(repEnd, count * 2);
            }
            vmap[count] = startDataAddr / pageSize;
            repStart[count] = offsetStart / structPageSize;
            // as makedumpfile: the first PFN of the group's last step, taken as its last PFN
            repEnd[count] = (offsetEnd - HUGE_PAGE) / structPageSize;
            count++;
        }
    }

    /** Streams a whole scan's bitmaps, in PFN order, into the vmemmap pages to delete. */
    Finder finder() {
        return new Finder();
    }

    /** find_unused_vmemmap_pages over bitmaps handed over cycle by cycle. */
    final class Finder {
        private long nextPfn;
        private long word;
        private long ramBits;
        private long dumpableBits;
        private long runStart = -1;
        private long[] starts = new long[16];
        private long[] lengths = new long[16];
        private int found;
        private long pages;

        /** The bitmaps of {@code [from, to)}, which must follow the previous call's range. */
        void accept(PfnBitmap ram, PfnBitmap dumpable, long from, long to) {
            if (from != nextPfn) {
                throw new IllegalStateException("bitmaps out of order: " + from + " after " + nextPfn);
            }
            long pfn = from;
            while (pfn < to) {
                long wordEnd = (pfn | (WORD_PFNS - 1)) + 1;
                long end = Math.min(wordEnd, to);
                ramBits += ram.cardinality(pfn, end);
                dumpableBits += dumpable.cardinality(pfn, end);
                pfn = end;
                if (end == wordEnd) {
                    word(ramBits == WORD_PFNS && dumpableBits == 0);
                }
            }
            nextPfn = to;
        }

        private void word(boolean unusedRam) {
            long w = word++;
            ramBits = 0;
            dumpableBits = 0;
            if (unusedRam) {
                if (runStart < 0) {
                    runStart = w;
                }
            } else {
                endRun(w);
            }
            if (word % (BLOCK_PFNS / WORD_PFNS) == 0) {
                endRun(word); // a run ends with its bitmap block
            }
        }

        private void endRun(long endWord) {
            if (runStart >= 0 && endWord - runStart > 1) {
                // one word of struct pages does not fill a page: only runs of two words or more
                run(runStart * WORD_PFNS, endWord * WORD_PFNS - 1);
            }
            runStart = -1;
        }

        /** find_vmemmap_pages for the frames {@code [first, last]}. */
        private void run(long first, long last) {
            int g = groupOf(first);
            if (g < 0 || last > repPfnEnd[g]) {
                return;
            }
            long startOffset = (first - repPfnStart[g]) * structPageSize;
            startOffset = (startOffset + pageSize - 1) / pageSize * pageSize; // pages wholly inside the run
            long endOffset = (last + 1 - repPfnStart[g]) * structPageSize;
            endOffset -= endOffset % pageSize;
            long vmapStart = vmapPfnStart[g] + startOffset / pageSize;
            long n = vmapPfnStart[g] + endOffset / pageSize - vmapStart;
            if (n <= 0) {
                return;
            }
            if (found == starts.length) {
                starts = Arrays.copyOf(starts, found * 2);
                lengths = Arrays.copyOf(lengths, found * 2);
            }
            starts[found] = vmapStart;
            lengths[found] = n;
            found++;
            pages += n;
        }

        /** The last group starting at or before {@code pfn} (groups are in PFN order and do not overlap), or -1. */
        private int groupOf(long pfn) {
            int lo = 0;
            int hi = groups - 1;
            int at = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (repPfnStart[mid] <= pfn) {
                    at = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return at;
        }

        /** Ends the scan (the words past its last frame are not RAM) and returns what to delete. */
        VmemmapDeletions finish() {
            if (nextPfn % WORD_PFNS != 0) {
                word(false);
            }
            endRun(word);
            return VmemmapDeletions.of(starts, lengths, found, pages);
        }
    }
}
