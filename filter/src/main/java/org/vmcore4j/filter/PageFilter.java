package org.vmcore4j.filter;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.UnsupportedDumpException;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * Decides, page frame by page frame, what a filtered dump keeps: makedumpfile 1.7.9's page
 * classification at dump levels 0..31, from the dump's VMCOREINFO alone (no vmlinux), producing the
 * same 1st ("RAM") and 2nd ("dumpable") bitmaps and the same excluded-pages report.
 *
 * <p>A scan works in cycles of PFN ranges, as makedumpfile's cyclic mode does: the bitmaps of one
 * cycle are built, handed to a {@link CycleConsumer}, then reused, so memory is bounded by the
 * cycle buffer ({@link #withCycleBufferBytes}: up to four bitmaps of that size, plus 512 struct
 * pages and a 256 KiB read buffer for the zero-page test) and never by the size of the dump. The default buffer is makedumpfile's: 4 MiB,
 * smaller when the whole dump fits, so cycle boundaries match the reference tool's.
 *
 * <p>Any dump {@link Vmcore#open} reads can be filtered: an ELF vmcore (memory counted per PT_LOAD,
 * as makedumpfile counts {@code /proc/vmcore}) or a kdump-compressed dump filtered again (its own
 * RAM bitmap; makedumpfile then also ORs the file's recorded level into the requested one, which is
 * the caller's to do). Pages a dump lacks (filtered out before, or lost) are never dumpable.
 *
 * <p>A writer scans twice if it must know the number of dumpable pages before writing (kdump's
 * descriptor table): scanning is deterministic. Immutable and thread-safe; each {@link #scan} call
 * is independent.
 *
 * <pre>{@code
 * FilterReport r = PageFilter.forLevel(31).scan(dump, cycle -> writer.write(cycle));
 * String text = r.toMakedumpfileText();
 * }</pre>
 */
public final class PageFilter {
    /** makedumpfile's default (and maximum automatic) cyclic buffer: 4 MiB, 2^25 frames per cycle. */
    public static final long DEFAULT_CYCLE_BUFFER_BYTES = 4L << 20;
    /** Largest accepted cycle buffer: 2^30 frames (4 TiB of 4 KiB pages) per cycle. */
    public static final long MAX_CYCLE_BUFFER_BYTES = 128L << 20;

    private final DumpLevel level;
    private final long cycleBufferBytes;
    private final ZeroPageHandling zeroPages;
    private final ScanListener listener;
    private final CycleMode cycleMode;
    private final int dumpFiles;
    private final boolean excludeUnusedVmemmap;

    /** How makedumpfile would run: in cycles, or in one pass with whole-dump bitmaps. */
    public enum CycleMode {
        /**
         * makedumpfile's own choice (initial()): one pass when both bitmaps of the whole dump fit the
         * default cycle buffer exactly (max_mapnr a multiple of 4, up to 2^24 frames, one output
         * file, no {@code --cyclic-buffer}), cycles otherwise.
         */
        AUTO,
        /** Always in cycles ({@code --cyclic-buffer}). */
        CYCLIC,
        /** One pass, as with {@code --work-dir}. */
        SINGLE
    }

    private PageFilter(DumpLevel level, long cycleBufferBytes, ZeroPageHandling zeroPages, ScanListener listener,
            CycleMode cycleMode, int dumpFiles, boolean excludeUnusedVmemmap) {
        this.level = level;
        this.cycleBufferBytes = cycleBufferBytes;
        this.zeroPages = zeroPages;
        this.listener = listener;
        this.cycleMode = cycleMode;
        this.dumpFiles = dumpFiles;
        this.excludeUnusedVmemmap = excludeUnusedVmemmap;
    }

    /**
     * A filter for makedumpfile dump level {@code level} (0..31) with the default cycle buffer,
     * {@link ZeroPageHandling#KDUMP_SHARED_DESCRIPTOR} and no listener.
     *
     * @param level a dump level, 0 to 31
     * @return a filter for makedumpfile dump level {@code level} (0..31) with the default cycle
     *         buffer, {@link ZeroPageHandling#KDUMP_SHARED_DESCRIPTOR} and no listener
     */
    public static PageFilter forLevel(int level) {
        return new PageFilter(DumpLevel.of(level), 0, ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR, ScanListener.NONE,
                CycleMode.AUTO, 1, false);
    }

    /** {@return the dump level this filter applies} */
    public DumpLevel level() {
        return level;
    }

    /**
     * The bitmap bytes per cycle, as makedumpfile's {@code --cyclic-buffer} (given there in KiB):
     * each cycle covers {@code 8 * bytes} frames. 0 restores the default.
     *
     * @param bytes a size in bytes
     * @return the bitmap bytes per cycle, as makedumpfile's {@code --cyclic-buffer} (given there
     *         in KiB): each cycle covers {@code 8 bytes} frames
     */
    public PageFilter withCycleBufferBytes(long bytes) {
        if (bytes < 0 || bytes > MAX_CYCLE_BUFFER_BYTES) {
            throw new IllegalArgumentException("cycle buffer must be 0 (default) or 1.." + MAX_CYCLE_BUFFER_BYTES
                    + " bytes: " + bytes);
        }
        return new PageFilter(level, bytes, zeroPages, listener, cycleMode, dumpFiles, excludeUnusedVmemmap);
    }

    /**
     * Whether the scan runs in cycles or in one pass as makedumpfile would (default
     * {@link CycleMode#AUTO}). The two differ in one frame per PT_LOAD that ends inside a page: the
     * one-pass 1st bitmap counts it as RAM, the cyclic one does not.
     *
     * @param mode the mode
     * @return whether the scan runs in cycles or in one pass as makedumpfile would (default {@link
     *         CycleMode#AUTO})
     */
    public PageFilter withCycleMode(CycleMode mode) {
        return new PageFilter(level, cycleBufferBytes, zeroPages, listener, Objects.requireNonNull(mode), dumpFiles,
                excludeUnusedVmemmap);
    }

    /**
     * For a split set: makedumpfile divides its cycle buffer among the files, so it never runs in one pass.
     *
     * @param files the files
     * @return the new filter
     */
    public PageFilter withDumpFiles(int files) {
        return new PageFilter(level, cycleBufferBytes, zeroPages, listener, cycleMode, files, excludeUnusedVmemmap);
    }

    /**
     * makedumpfile's {@code -e}: also leave out the pages of the kernel's struct page array (vmemmap)
     * that describe only frames the dump leaves out. It needs the whole 2nd bitmap, so the scan runs
     * as makedumpfile's one-pass mode ({@link CycleMode#SINGLE}) and the unused pages are found before
     * the first cycle is handed over; they are cleared from the 2nd bitmap without entering any class
     * count ({@link FilterReport#unusedVmemmapPages()} says how many). x86_64 only: where the vmemmap
     * cannot be mapped (another architecture, no VMCOREINFO, a vmemmap not in 2 MiB pages) the
     * listener gets a warning and the scan goes on without, as makedumpfile does.
     *
     * @param on whether it is on
     * @return the new filter
     */
    public PageFilter withUnusedVmemmapExcluded(boolean on) {
        return new PageFilter(level, cycleBufferBytes, zeroPages, listener, cycleMode, dumpFiles, on);
    }

    /** {@return whether {@link #withUnusedVmemmapExcluded} is on} */
    public boolean excludesUnusedVmemmap() {
        return excludeUnusedVmemmap;
    }

    /**
     * A copy that treats zero pages as {@code handling} says.
     *
     * @param handling the zero-page handling
     * @return a copy that treats zero pages as {@code handling} says
     */
    public PageFilter withZeroPages(ZeroPageHandling handling) {
        return new PageFilter(level, cycleBufferBytes, Objects.requireNonNull(handling), listener, cycleMode, dumpFiles,
                excludeUnusedVmemmap);
    }

    /**
     * A copy that reports progress and warnings to {@code l}.
     *
     * @param l the listener
     * @return a copy that reports progress and warnings to {@code l}
     */
    public PageFilter withListener(ScanListener l) {
        return new PageFilter(level, cycleBufferBytes, zeroPages, Objects.requireNonNull(l), cycleMode, dumpFiles,
                excludeUnusedVmemmap);
    }

    /**
     * Scans {@code dump}, handing each cycle's bitmaps to {@code consumer} in PFN order, and returns
     * the counts.
     *
     * @param dump the opened dump
     * @param consumer what receives each cycle
     * @return what the scan counted
     * @throws UnsupportedKernelException if the kernel cannot be classified at this level (the
     *         message names the missing VMCOREINFO keys and a level that would work), before any
     *         cycle is produced
     * @throws org.vmcore4j.core.VmcoreFormatException if the dump's kernel structures are damaged
     *         (struct pages or free lists unreadable or inconsistent)
     * @throws IOException if reading the dump fails, or as thrown by {@code consumer}
     */
    public FilterReport scan(Vmcore dump, CycleConsumer consumer) throws IOException {
        Objects.requireNonNull(consumer);
        return prepare(dump).run(consumer);
    }

    /**
     * Prepares a scan of {@code dump} without building any cycle: finds the mem_map and checks that
     * the kernel can be classified at this level. {@link #scan} is this followed by every default
     * cycle; writers that must drive the cycles themselves (ELF output, per PT_LOAD) use the
     * returned {@link PageScan}.
     *
     * @param dump the opened dump
     * @return the page scan
     * @throws UnsupportedKernelException as {@link #scan}
     */
    public PageScan prepare(Vmcore dump) throws IOException {
        PhysicalMemory memory = dump.physicalMemory();
        String res = dump.description();
        long maxMapnr = memory.endPfn();
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        PageLayout layout = null;
        MemMap memMap = null;
        KernelAddressSpace kas = null;
        FreeListWalker walker = null;
        int buddy = PageClassifier.BUDDY_NONE;
        if (info.isEmpty()) {
            // makedumpfile works without VMCOREINFO at levels 0 and 1 (no mem_map, no classification).
            if (level.needsClassification()) {
                int bits = DumpLevel.CACHE | DumpLevel.CACHE_PRIVATE | DumpLevel.USER | DumpLevel.FREE;
                throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                        + ": the dump has no VMCOREINFO note. Level bits " + DumpLevel.describeBits(level.value() & bits)
                        + " need it; a level without them (e.g. -d " + level.without(bits).value() + ") can be served",
                        List.of("VMCOREINFO"), bits);
            }
        } else {
            try {
                VmcoreInfo vi = info.get();
                layout = PageLayout.decode(vi, memory.pageSize(), level);
                kas = dump.kernelAddressSpace();
                if (kas.pointerSize() != 8) {
                    throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                            + ": the kernel is " + (8 * kas.pointerSize()) + "-bit; the filter reads 64-bit struct pages "
                            + "only", List.of(), 0);
                }
                memMap = MemMap.discover(vi, layout, dump.architecture(), kas, dump.statedMappings(), maxMapnr, level);
                maxMapnr = memMap.maxMapnr;
                listener.memMapFound(memMap.model, memMap.count, maxMapnr);
                if (level.excludesFree()) {
                    // setup_page_is_buddy: recognise free pages from struct page where the kernel allows.
                    if (layout.offPrivate != PageLayout.NF) {
                        if (layout.buddyMapcount != PageLayout.NF) {
                            if (layout.offMapcount != PageLayout.NF) {
                                buddy = PageClassifier.BUDDY_MAPCOUNT;
                            }
                        } else if (layout.pgBuddy != PageLayout.NF) {
                            buddy = PageClassifier.BUDDY_FLAG;
                        }
                    }
                    if (buddy == PageClassifier.BUDDY_NONE) {
                        walker = FreeListWalker.prepare(res, new VmcoreInfoKeys(vi), kas, memMap, layout, memMap.kvBase,
                                level);
                    }
                }
            } catch (VmcoreFormatException | UnsupportedDumpException | MemoryAccessException e) {
                if (level.needsClassification() || excludeUnusedVmemmap || (e instanceof UnsupportedKernelException u
                        && u.missingKeys().contains("PAGESIZE"))) {
                    throw e; // a kernel page size other than the dump's matters at every level
                }
                // this level classifies no page, so a VMCOREINFO too partial to find the mem_map does not
                // stop it: the dump is written as without VMCOREINFO (makedumpfile refuses; README, Deviations)
                listener.warning("the mem_map cannot be found (" + e.getMessage() + "); dump level " + level.value()
                        + " classifies no pages, so the dump is written without it");
                layout = null;
                memMap = null;
                kas = null;
                walker = null;
                buddy = PageClassifier.BUDDY_NONE;
                maxMapnr = memory.endPfn();
            }
        }
        long pfnCyclic = pfnCyclic(memory.endPfn());
        CycleScanner scanner = new CycleScanner(res, level, zeroPages, listener, memory, kas, layout, memMap,
                Segments.of(memory, dump.statedMappings(), dump.describesMemoryWithLoadSegments()), walker, maxMapnr,
                pfnCyclic, buddy);
        boolean singlePass = singlePass(memory.endPfn());
        scanner.singleCycle(singlePass);
        if (!excludeUnusedVmemmap) {
            return new PageScan(scanner);
        }
        UnusedVmemmap vmemmap = null;
        try {
            int sizePage = layout == null ? 0 : layout.sizePage;
            vmemmap = UnusedVmemmap.locate(kas, UnusedVmemmap.vmemmapBase(memMap, sizePage), sizePage,
                    memMap == null || memMap.count == 0 ? 0 : memMap.pfnStart[0]);
        } catch (UnusedVmemmap.NotFound e) {
            listener.warning("Can't find vmemmap pages (" + e.getMessage() + "); unused vmemmap pages are not "
                    + "excluded");
        }
        PageScan scan = new PageScan(scanner, vmemmap, singlePass, listener);
        if (zeroPages == ZeroPageHandling.ELF_REMOVE) {
            scan.findUnusedVmemmap(); // the ELF writer drives its own cycles, per PT_LOAD
        }
        return scan;
    }

    /**
     * Whether makedumpfile would build this dump's bitmaps in one pass (initial(): with the default
     * buffer, min(4 MiB, 2 * max_mapnr / 8) bytes divided among the output files, and one pass when
     * that holds both whole bitmaps, i.e. max_mapnr is a multiple of 4). ELF output keeps its own
     * per-segment walk and is not affected. The buffer's 60 %-of-free-memory cap is not modelled:
     * a capture kernel short of memory runs makedumpfile in cycles where this says one pass.
     */
    boolean singlePass(long maxMapnrBeforeReduction) {
        if (zeroPages == ZeroPageHandling.ELF_REMOVE || cycleMode == CycleMode.CYCLIC) {
            return false;
        }
        if (cycleMode == CycleMode.SINGLE || excludeUnusedVmemmap) {
            // -e: makedumpfile turns cycles off for it (flag_cyclic = FALSE), as --work-dir does
            return true;
        }
        if (cycleBufferBytes != 0) {
            return false;
        }
        long bitmapBytes = maxMapnrBeforeReduction * 2 / 8 / dumpFiles;
        long buffer = Math.min(DEFAULT_CYCLE_BUFFER_BYTES, bitmapBytes);
        return buffer * 8 >= maxMapnrBeforeReduction * 2;
    }

    /**
     * The class of every frame of {@code dump} as makedumpfile 1.7.9 decides it at this filter's
     * level (use level 31 to tell every class apart): a whole scan, with the zero test reading every
     * page the level would otherwise keep, so it costs what {@link #count} costs plus 9 bytes per run
     * of frames of one class.
     *
     * @param dump the opened dump
     * @return the class of every frame of {@code dump} as makedumpfile 1.7.9 decides it at this
     *         filter's level (use level 31 to tell every class apart): a whole scan, with the zero
     *         test reading every page the level would otherwise keep, so it costs what {@link
     *         #count} costs plus 9 bytes per run of frames of one class
     * @throws UnsupportedKernelException as {@link #scan}
     * @throws IOException                as {@link #scan}
     */
    public PageClassMap classify(Vmcore dump) throws IOException {
        PageScan scan = prepare(dump);
        PageClassMap.Builder builder = new PageClassMap.Builder(level);
        scan.scanner.recordClasses(builder);
        scan.run(builder);
        return builder.build(scan.maxMapnr());
    }

    /**
     * {@link #scan} without a consumer: just the counts.
     *
     * @param dump the opened dump
     * @return {@link #scan} without a consumer: just the counts
     * @throws IOException if reading or writing fails
     */
    public FilterReport count(Vmcore dump) throws IOException {
        return scan(dump, CycleConsumer.NONE);
    }

    /**
     * Frames per cycle. calculate_cyclic_buffer_size: the smaller of 4 MiB and what both bitmaps of
     * the whole dump need (max_mapnr before the mem_map reduction, 2 bits a frame).
     */
    long pfnCyclic(long maxMapnrBeforeReduction) {
        long bytes = cycleBufferBytes;
        if (bytes == 0) {
            bytes = Math.min(DEFAULT_CYCLE_BUFFER_BYTES, maxMapnrBeforeReduction * 2 / 8);
        }
        return Math.max(8, bytes * 8);
    }

    /**
     * makedumpfile's is_zero_page: whether every byte of {@code page[off, off+len)} is zero.
     *
     * @param page the page
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @return whether it holds
     */
    public static boolean isZeroPage(byte[] page, int off, int len) {
        Objects.checkFromIndexSize(off, len, page.length);
        for (int i = off; i < off + len; i += ZEROS.length) {
            int n = Math.min(ZEROS.length, off + len - i);
            if (Arrays.mismatch(page, i, i + n, ZEROS, 0, n) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static final byte[] ZEROS = new byte[4096];

    @Override
    public String toString() {
        return "PageFilter(" + level + ", zero pages " + zeroPages + ", cycle buffer "
                + (cycleBufferBytes == 0 ? "default" : cycleBufferBytes + " bytes")
                + (excludeUnusedVmemmap ? ", unused vmemmap excluded" : "") + ")";
    }
}
