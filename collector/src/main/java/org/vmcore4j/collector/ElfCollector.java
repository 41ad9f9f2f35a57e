package org.vmcore4j.collector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Elfcorehdr;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.internal.Notes;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.WholeMachineImage;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.elf.ElfDumpWriter;
import java.util.Optional;
import org.vmcore4j.elf.ElfFile;
import org.vmcore4j.elf.ElfVmcore;
import org.vmcore4j.elf.NoteSegment;
import org.vmcore4j.elf.ProgramHeader;
import org.vmcore4j.filter.FilterCycle;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.PageScan;
import org.vmcore4j.filter.PfnBitmap;
import org.vmcore4j.filter.ZeroPageHandling;

/**
 * The filtered ELF dump, makedumpfile 1.7.9's {@code -E}: byte for byte the file makedumpfile
 * writes from an ELF vmcore at the same dump level.
 *
 * <p>How segments are decided (write_elf_pages_cyclic, FORMATS.md §3): each input PT_LOAD is walked
 * page by page over the dumpable bitmap, with zero pages removed from it ({@link
 * ZeroPageHandling#ELF_REMOVE}). A run of fewer than 256 non-dumpable pages (makedumpfile's
 * PFN_EXCLUDED) followed by a dumpable page is written with its original contents; a run of 256 or
 * more ends the output PT_LOAD there ({@code p_memsz} includes the run, {@code p_filesz} does not) and
 * a new one starts at the next dumpable page. A partial first page of a PT_LOAD is always written; a
 * PT_LOAD's trailing non-dumpable pages are left out as {@code p_memsz > p_filesz}.
 *
 * <p>Two passes, neither holding the dump: the first scans the bitmaps per PT_LOAD exactly as
 * makedumpfile's walk does (cycles from {@code round(start, 8)}, counts reset first) and keeps only
 * the sizes of the output segments (three longs each; a segment stands for at least 257 pages, so
 * this stays small); the second writes headers, notes and the segments' bytes, which are plain
 * copies of input ranges, so no page is classified twice. Segment data is what the input's reader gives
 * for the segment's addresses: for a vmcore that is write_elf_load_segment's copy of the PT_LOAD's own
 * file bytes, but where PT_LOADs overlap with different contents, or a PT_LOAD ends inside a page, the
 * output holds the bytes a reader of the input sees and never file bytes beyond {@code p_filesz}.
 *
 * <p>Input other than ELF (a kdump-compressed dump filtered again, which makedumpfile refuses with
 * {@code -E}) gets an ELF64 header of its architecture, one PT_NOTE re-encoding its notes, and one
 * PT_LOAD per physical memory range ({@code p_vaddr} 0); frames it lacks read as zeros.
 */
public final class ElfCollector {
    /** makedumpfile's PFN_EXCLUDED: a run of this many non-dumpable pages ends a PT_LOAD. */
    static final long PFN_EXCLUDED = 256;
    /** makedumpfile's NOT_PADDR: a PT_LOAD without physical address, skipped by the writer. */
    private static final long NOT_PADDR = -1L;
    /** makedumpfile i386 MAXMEM (-PAGE_OFFSET - __VMALLOC_RESERVE in 32 bits): below it p_vaddr follows p_paddr. */
    private static final long X86_MAXMEM = 0x3800_0000L;

    private ElfCollector() {
    }

    /**
     * Writes {@code dump} filtered by {@code filter} as an ELF core into {@code sink}, as
     * {@code makedumpfile -E -d LEVEL} does. Zero pages are always handled the ELF way (removed
     * from the dumpable pages), whatever {@code filter} says. On success the sink's
     * {@link DumpSink#finish()} is called; the sink is not closed.
     *
     * @param dump the dump to copy; read on the calling thread only
     * @param filter which pages to keep (its dump level, cycle buffer and vmemmap option)
     * @param sink where the ELF file goes
     * @param listener scan progress (it replaces the filter's listener unless it is
     *                 {@link CollectorListener#NONE}) and copy progress, called on the calling thread
     * @return the counts, as makedumpfile's report for {@code -E} prints them ("in ELF format" included)
     * @throws org.vmcore4j.filter.UnsupportedKernelException as {@link PageFilter#prepare}, before anything is written
     * @throws VmcoreFormatException if the input has no physical memory to write
     * @throws IOException if reading or writing fails; if writing had begun, the written part stays readable, its
     *                     {@code e_flags} bit 0 (DUMP_ELF_INCOMPLETE) set where the sink can rewrite
     */
    public static FilterReport write(Vmcore dump, PageFilter filter, DumpSink sink, CollectorListener listener)
            throws IOException {
        Objects.requireNonNull(sink);
        Objects.requireNonNull(listener);
        Input input = Input.of(dump);
        PageFilter f = filter.withZeroPages(ZeroPageHandling.ELF_REMOVE);
        if (listener != CollectorListener.NONE) {
            f = f.withListener(listener);
        }
        PageScan scan = f.prepare(dump);
        Plan plan = plan(scan, input, dump.physicalMemory().pageSize());
        FilterReport report = scan.report().withMemoryHolePages(plan.hole).withElfExcludedPages(plan.elfExcluded);
        copy(input, plan, sink, listener, dump.physicalMemory().pageSize(), dump.architecture());
        return report;
    }

    // ------------------------------------------------------------------ input

    /** One input PT_LOAD (or, for non-ELF input, one RAM range). */
    record Load(int flags, long vaddr, long paddr, long memsz, long align, long fileOffset) {
    }

    /** What the output copies from the input: file header, PT_NOTE, notes, PT_LOADs, and how to read them. */
    record Input(byte[] fileHeader, ElfDumpWriter.Phdr note, byte[] notes, List<Load> loads, long skippedLoads,
            RandomAccessSource file, PhysicalMemory memory) {

        static Input of(Vmcore dump) throws IOException {
            Optional<ElfFile> elf = ElfVmcore.elfOf(dump);
            if (elf.isPresent()) {
                return ofElf(elf.get(), dump.physicalMemory());
            }
            PhysicalMemory memory = dump.physicalMemory();
            List<PhysicalRange> ranges = memory.ranges();
            if (ranges.isEmpty()) {
                throw new VmcoreFormatException(dump.description(), -1, "the " + dump.formatName()
                        + " dump describes no physical memory ranges, so there are no PT_LOADs to write");
            }
            List<Load> loads = new ArrayList<>();
            int rwx = ProgramHeader.PF_R | ProgramHeader.PF_W | ProgramHeader.PF_X;
            Optional<Elfcorehdr> capture = dump.wholeMachineImage().filter(WholeMachineImage::crashedKernelView)
                    .flatMap(WholeMachineImage::elfcorehdr);
            if (capture.isPresent()) {
                // a capture seen through its elfcorehdr: that header's PT_LOADs, as /proc/vmcore states them
                // (kexec-tools and the kernel write them RWX, unaligned)
                for (VirtualMapping m : dump.statedMappings()) {
                    loads.add(new Load(rwx, m.virtualAddress(), m.physicalAddress(), m.size(), 0, -1));
                }
            } else {
                for (PhysicalRange r : ranges) {
                    loads.add(new Load(rwx, 0, r.start(), r.size(), 0, -1));
                }
            }
            ByteOrder order = dump.byteOrder();
            byte[] notes = Notes.encode(dump.notes(), order);
            ElfDumpWriter.Phdr note = new ElfDumpWriter.Phdr(ProgramHeader.PT_NOTE, 0, 0, 0, 0, notes.length,
                    notes.length, 0);
            byte[] header = capture.isPresent() ? capture.get().fileHeader()
                    : ElfDumpWriter.newFileHeader(true, order, dump.architecture().elfMachine());
            return new Input(header, note, notes, loads, 0, null, memory);
        }

        private static Input ofElf(ElfFile elf, PhysicalMemory memory) throws IOException {
            byte[] header = ElfDumpWriter.fileHeaderOf(elf);
            // write_elf_header copies the first PT_NOTE only, header and bytes.
            ElfDumpWriter.Phdr note;
            byte[] notes;
            List<NoteSegment> segments = elf.noteSegments();
            if (segments.isEmpty()) {
                notes = new byte[0];
                note = new ElfDumpWriter.Phdr(ProgramHeader.PT_NOTE, 0, 0, 0, 0, 0, 0, 0);
            } else {
                notes = segments.get(0).bytes();
                note = ElfDumpWriter.Phdr.of(segments.get(0).header());
            }
            List<Load> loads = new ArrayList<>();
            long skipped = 0;
            long noPaddr = elf.noPhysicalAddress();
            for (ProgramHeader ph : elf.loads()) {
                if (ph.paddr() == noPaddr) {
                    // get_loads_dumpfile_cyclic counts it, write_elf_pages_cyclic skips it: an unused
                    // (zero, PT_NULL) entry stays in the table.
                    skipped++;
                    continue;
                }
                loads.add(new Load(ph.flags(), ph.vaddr(), ph.paddr(), ph.memsz(), ph.align(), ph.offset()));
            }
            return new Input(header, note, notes, loads, skipped, elf.source(), memory);
        }
    }

    // ------------------------------------------------------------------ pass 1: the segments

    /**
     * The output PT_LOADs decided by the scan: per input load, how many; per output segment its
     * {@code p_memsz}, {@code p_filesz} and number of dumpable pages. Plus the report's ELF counts.
     */
    static final class Plan {
        final int[] segmentsPerLoad;
        long[] memsz = new long[16];
        long[] filesz = new long[16];
        long[] dumpable = new long[16];
        int count;
        long hole;
        long elfExcluded;
        long dumpablePages;

        Plan(int loads) {
            segmentsPerLoad = new int[loads];
        }

        void add(int load, long mem, long file, long pages) {
            if (count == memsz.length) {
                int cap = Math.multiplyExact(count, 2);
                memsz = Arrays.copyOf(memsz, cap);
                filesz = Arrays.copyOf(filesz, cap);
                dumpable = Arrays.copyOf(dumpable, cap);
            }
            memsz[count] = mem;
            filesz[count] = file;
            dumpable[count] = pages;
            count++;
            segmentsPerLoad[load]++;
        }
    }

    /**
     * write_elf_pages_cyclic's walk, deciding sizes only. Cycles as there: for each PT_LOAD from the
     * cycle holding its first whole page, the first starting at {@code round_down(pfn_start, 8)}.
     */
    static Plan plan(PageScan scan, Input input, int pageSize) throws IOException {
        List<Load> loads = input.loads();
        Plan plan = new Plan(loads.size());
        long cyc = scan.cyclePfns();
        scan.resetCounts();
        long hole = scan.maxMapnr();
        Set<Long> headFrames = partialHeadFrames(loads, pageSize, input.memory());
        for (int i = 0; i < loads.size(); i++) {
            Load load = loads.get(i);
            long pfnStart = Long.divideUnsigned(load.paddr(), pageSize);
            long end = load.paddr() + load.memsz();
            long pfnEnd = Long.divideUnsigned(end, pageSize);
            long fracHead = pageSize - Long.remainderUnsigned(load.paddr(), pageSize);
            long fracTail = Long.remainderUnsigned(end, pageSize);
            long numExcluded = 0;
            long memsz = 0;
            long filesz = 0;
            long pages = 0;
            if (fracHead != pageSize) {
                // a partial first page is written whole as far as the segment goes, and no further: a
                // PT_LOAD ending inside its first page is one segment of its own size (makedumpfile
                // 1.7.9 loops forever there)
                memsz = Math.min(fracHead, load.memsz());
                filesz = memsz;
                pfnStart++;
            }
            if (fracTail != 0) {
                pfnEnd++;
            }
            scan.startRange();
            long cs = pfnStart / cyc * cyc;
            long ce = Math.min(cs + cyc, pfnEnd);
            if (cs < pfnStart) {
                cs = pfnStart & ~7L;
            }
            while (cs < pfnEnd) {
                FilterCycle cycle = scan.cycle(cs, ce);
                PfnBitmap bits = cycle.dumpable();
                long first = Math.max(pfnStart, cs);
                hole -= ce - first;
                for (long pfn = first; pfn < ce; pfn++) {
                    long size = pfn == pfnEnd - 1 && fracTail != 0 ? fracTail : pageSize;
                    if (!bits.get(pfn) && !headFrames.contains(pfn)) {
                        numExcluded++;
                        memsz += size;
                        continue;
                    }
                    plan.dumpablePages++;
                    if (numExcluded == 0) {
                        memsz += size;
                        filesz += size;
                        pages++;
                        continue;
                    }
                    if (numExcluded < PFN_EXCLUDED) {
                        // a short excluded run is written with its contents
                        memsz += size;
                        filesz += pageSize * numExcluded + size;
                        pages++;
                        numExcluded = 0;
                        continue;
                    }
                    // 256 or more: the segment ends before the run, a new one starts here
                    plan.elfExcluded += numExcluded;
                    plan.add(i, memsz, filesz, pages);
                    numExcluded = 0;
                    memsz = pageSize;
                    filesz = pageSize;
                    pages = 1;
                }
                cs = ce;
                ce = Math.min(cs + cyc, pfnEnd);
            }
            plan.elfExcluded += numExcluded;
            plan.add(i, memsz, filesz, pages);
        }
        plan.hole = hole;
        return plan;
    }

    /**
     * The frames holding a PT_LOAD's partial first page, which is always written, and whose bytes the
     * input has. Such a frame is written whole by every segment covering it, even where the bitmap
     * leaves it out (a frame a segment covers only in part is not RAM there): otherwise the head's
     * data would make the output frame present with zeros where the other segments' data belongs.
     * Only layouts with a PT_LOAD not starting on a page boundary have such frames (a vmcore has none).
     */
    private static Set<Long> partialHeadFrames(List<Load> loads, int pageSize, PhysicalMemory memory) {
        Set<Long> frames = new HashSet<>();
        for (Load load : loads) {
            if (Long.remainderUnsigned(load.paddr(), pageSize) != 0) {
                long pfn = Long.divideUnsigned(load.paddr(), pageSize);
                if (memory.status(pfn) == PageStatus.PRESENT) {
                    frames.add(pfn);
                }
            }
        }
        return frames;
    }

    // ------------------------------------------------------------------ pass 2: the file

    private static void copy(Input input, Plan plan, DumpSink sink, CollectorListener listener, int pageSize,
            Architecture arch) throws IOException {
        long declared = plan.count + input.skippedLoads();
        ElfDumpWriter writer = ElfDumpWriter.create(sink, input.fileHeader(), input.note(), input.notes(), declared);
        Progress progress = new Progress(listener, plan.dumpablePages);
        int segment = 0;
        try {
            writer.begin();
            List<Load> loads = input.loads();
            for (int i = 0; i < loads.size(); i++) {
                Load load = loads.get(i);
                long paddr = load.paddr();
                long vaddr = load.vaddr();
                int n = plan.segmentsPerLoad[i];
                for (int k = 0; k < n; k++, segment++) {
                    long memsz = plan.memsz[segment];
                    long filesz = plan.filesz[segment];
                    boolean last = k == n - 1;
                    // A segment without data gets p_offset 0, except a PT_LOAD's last one, which
                    // write_elf_pages_cyclic always gives the current data offset.
                    long offset = filesz == 0 && !last ? 0 : writer.nextDataOffset();
                    ElfDumpWriter.Phdr phdr = new ElfDumpWriter.Phdr(ProgramHeader.PT_LOAD, load.flags(), offset,
                            vaddr, paddr, filesz, memsz, load.align());
                    progress.segment(plan.dumpable[segment], filesz);
                    writer.writeLoad(phdr, reader(input, load, paddr, pageSize, progress));
                    progress.segmentDone();
                    paddr += memsz;
                    // makedumpfile built for i386 moves p_vaddr along only below MAXMEM
                    if (arch != Architecture.X86 || Long.compareUnsigned(paddr, X86_MAXMEM) < 0) {
                        vaddr += memsz;
                    }
                }
            }
            writer.finish();
            sink.finish(); // a flattened stream (-F) gets its end marker only from a complete dump
        } catch (IOException | RuntimeException e) {
            boolean flagged = writer.markIncomplete();
            String msg = String.format(Locale.ROOT, "%s: the ELF dump is incomplete: %d of %d PT_LOAD segments (%d of %d dumpable "
                            + "pages, %d data bytes) were written before: %s. %s", sink.description(), segment,
                    plan.count, progress.donePages, plan.dumpablePages, writer.dataBytesWritten(), e.getMessage(),
                    flagged ? "e_flags has DUMP_ELF_INCOMPLETE (0x1) set"
                            : "the output could not be marked incomplete (e_flags)");
            if (e instanceof UncheckedIOException u) {
                throw new IOException(msg, u.getCause());
            }
            throw new IOException(msg, e);
        }
        listener.copyProgress(plan.dumpablePages, plan.dumpablePages);
    }

    /**
     * Reads a segment starting at {@code paddr} of {@code load}: the bytes the input's reader gives
     * for those addresses, so that where PT_LOADs overlap every copy holds the same bytes, and no byte
     * beyond an input segment's file data is copied from the file (what lies there belongs to
     * another segment, or to nothing). Frames a truncated ELF input lost are copied from the file as
     * far as it goes, as write_elf_load_segment does; frames without data read as zeros.
     */
    private static ElfDumpWriter.SegmentData reader(Input input, Load load, long paddr, int pageSize,
            Progress progress) {
        RandomAccessSource file = input.file();
        PhysicalMemory memory = input.memory();
        long base = load.fileOffset() + (paddr - load.paddr());
        return (position, dst, off, len) -> {
            long at = paddr + position;
            int done = 0;
            while (done < len) {
                long pfn = Long.divideUnsigned(at, pageSize);
                PageStatus status = memory.status(pfn);
                // frames wholly inside one piece of file data are read in one go
                long runEnd = status == PageStatus.PRESENT ? memory.statusRunEnd(pfn) : pfn + 1;
                int n = (int) Math.min(len - done, runEnd * pageSize - at);
                if (status == PageStatus.PRESENT) {
                    memory.read(at, dst, off + done, n);
                } else if (status == PageStatus.LOST && file != null) {
                    copyFromFile(file, base + (at - paddr), dst, off + done, n);
                } else {
                    Arrays.fill(dst, off + done, off + done + n, (byte) 0);
                }
                done += n;
                at += n;
            }
            progress.bytes(len);
        };
    }

    /** A plain read of the input file; beyond the end of a truncated file, zeros. */
    private static void copyFromFile(RandomAccessSource file, long at, byte[] dst, int off, int len)
            throws IOException {
        int avail = (int) Math.max(0, Math.min(len, file.size() - at));
        if (avail > 0) {
            file.read(at, dst, off, avail);
        }
        Arrays.fill(dst, off + avail, off + len, (byte) 0);
    }

    /** Copy progress in dumpable pages: whole segments done, plus the share of the current one copied. */
    private static final class Progress {
        final CollectorListener listener;
        final long total;
        long donePages;
        long segmentPages;
        long segmentBytes;
        long segmentDone;

        Progress(CollectorListener listener, long total) {
            this.listener = listener;
            this.total = total;
        }

        void segment(long pages, long bytes) {
            segmentPages = pages;
            segmentBytes = bytes;
            segmentDone = 0;
        }

        void bytes(long n) {
            segmentDone += n;
            long part = segmentBytes == 0 ? 0 : (long) ((double) segmentPages * segmentDone / segmentBytes);
            listener.copyProgress(donePages + Math.min(part, segmentPages), total);
        }

        void segmentDone() {
            donePages += segmentPages;
        }
    }
}
