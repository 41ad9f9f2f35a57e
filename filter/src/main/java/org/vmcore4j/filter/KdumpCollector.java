package org.vmcore4j.filter;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.HeaderLayout;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.KdumpWriter;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.PageCompressor;

/**
 * Filters a dump into a kdump-compressed file (makedumpfile's default output): scan -> classify
 * (cyclic) -> read, zero-test and compress pages on N workers -> write in PFN order.
 *
 * <p>Two passes over the page classes, as makedumpfile's cyclic mode makes them: the first counts
 * the dumpable pages (page data starts after one descriptor per dumpable page), the second writes
 * both bitmaps and the pages one cycle at a time. Pages are read once, in the second pass, where
 * all-zero pages become references to one shared zero page when the level excludes zero pages.
 *
 * <p>Output is the same bytes whatever the number of workers: workers only transform batches of
 * pages, and batches are written in the order they were cut. With {@code -d 0} or {@code -d 1} and
 * zlib, snappy or zstd the file equals makedumpfile 1.7.9's byte for byte (where the codec library
 * versions agree; see the tests).
 *
 * <p>Memory: a fixed number of page batches ({@code 2 * workers + 2}, {@value #BATCH_PAGES} pages
 * each) plus the writer's buffers and the scan's cycle buffer; nothing per page.
 */
public final class KdumpCollector {
    static final int BATCH_PAGES = 64;

    /**
     * How to write.
     *
     * @param compression page codec ({@link Compression#NONE} for raw pages)
     * @param workers     compression threads; 0 or 1 compress on the writing thread
     */
    public record Options(Compression compression, int workers) {
        public Options {
            Objects.requireNonNull(compression, "compression");
            if (workers < 0 || workers > 256) {
                throw new IllegalArgumentException("workers must be 0..256: " + workers);
            }
        }

        public static Options of(Compression compression) {
            return new Options(compression, 0);
        }

        public Options withWorkers(int n) {
            return new Options(compression, n);
        }
    }

    /** makedumpfile's default {@code --splitblock-size}: 1 GiB of frames per split block. */
    public static final long DEFAULT_SPLITBLOCK_BYTES = 1L << 30;
    /** Most split blocks we count (8 bytes each): finer {@code --splitblock-size}s are refused. */
    static final long MAX_SPLITBLOCKS = 1L << 22;

    private KdumpCollector() {
    }

    /**
     * Writes {@code dump} filtered by {@code filter} into {@code sink}, then calls {@link DumpSink#finish()}.
     * The sink is not closed. On a write failure the file is left readable (see
     * {@link KdumpWriter#abort}) and an {@link IncompleteDumpException} says how far it got.
     *
     * @return the counts, as makedumpfile's report prints them (zero pages counted while writing)
     */
    public static FilterReport write(Vmcore dump, PageFilter filter, Options options, DumpSink sink,
            CollectorListener listener) throws IOException {
        return writeAll(dump, filter, options, List.of(sink), 0, listener);
    }

    /**
     * Writes a split set ({@code --split}): one kdump file per sink, each holding the pages of one
     * PFN range and both whole bitmaps, ranges chosen as makedumpfile chooses them (whole split
     * blocks of {@code splitblockBytes}, about the same number of dumpable pages per file). One scan
     * and one read of each page feed all files.
     */
    public static FilterReport writeSplit(Vmcore dump, PageFilter filter, Options options, List<DumpSink> sinks,
            long splitblockBytes, CollectorListener listener) throws IOException {
        if (sinks.size() < 2) {
            throw new IllegalArgumentException("a split set needs at least two files");
        }
        int ps = dump.physicalMemory().pageSize();
        if (splitblockBytes <= 0 || splitblockBytes % ps != 0) {
            throw new IllegalArgumentException("the split block size must be a positive multiple of the page size ("
                    + ps + "): " + splitblockBytes);
        }
        return writeAll(dump, filter.withDumpFiles(sinks.size()), options, sinks, splitblockBytes / ps, listener);
    }

    private static FilterReport writeAll(Vmcore dump, PageFilter filter, Options options, List<DumpSink> sinks,
            long pagesPerSplitblock, CollectorListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (dump.physicalMemory().endPfn() == 0) {
            // a kdump file describes frames [0, max_mapnr); with none there is no bitmap to write
            throw new VmcoreFormatException(dump.description(), -1, "the dump holds no memory (no PT_LOAD or RAM "
                    + "range with a physical address), so there are no pages to write in kdump-compressed format");
        }
        PageFilter f = filter.withZeroPages(ZeroPageHandling.LEAVE_TO_WRITER).withListener(listener);
        boolean split = sinks.size() > 1;

        // pass 1: the number of dumpable pages, and per split block for choosing split ranges
        long[] dumpable = {0};
        SplitblockCounter blocks = split ? new SplitblockCounter(pagesPerSplitblock) : null;
        FilterCycle[] onlyCycle = {null};
        FilterReport counted = f.scan(dump, cycle -> {
            dumpable[0] += cycle.dumpable().cardinality();
            if (blocks != null) {
                blocks.add(cycle);
            }
            if (cycle.count() == 1) {
                // The whole dump in one cycle (up to 2^25 frames with the default buffer): keep its bitmaps
                // (max_mapnr/4 bytes) for pass 2 instead of scanning the same memory again; the header
                // needs the count first, so the scan itself cannot be skipped.
                onlyCycle[0] = cycle.copy();
            }
        });
        long maxMapnr = counted.totalPages();
        long[] ends = split ? blocks.splitEnds(maxMapnr, dumpable[0], sinks.size()) : new long[] {maxMapnr};

        int dumpLevel = f.level().value();
        boolean sharedZeroPage = (dumpLevel & DumpLevel.ZERO) != 0;
        byte[] notes = dump.noteSection();
        long[] vmcoreinfo = DumpFacts.vmcoreinfoWithin(notes, dump.byteOrder(), dump.description() + " (notes)");
        int pageSize = dump.physicalMemory().pageSize();
        byte[] utsname = DumpFacts.utsname(dump, listener);
        KdumpWriter[] writers = new KdumpWriter[sinks.size()];
        long[] perFile = split ? blocks.perFile(ends) : new long[] {dumpable[0]};
        HeaderLayout layout = layoutFor(dump);
        long crashTime = DumpFacts.crashTime(dump);
        int cpus = DumpFacts.cpuCount(dump);
        long physBase = DumpFacts.physBase(dump);
        // makedumpfile sets DUMP_DH_EXCLUDED_VMEMMAP when -e could be done (it drops -e where it cannot)
        boolean excludedVmemmap = counted.unusedVmemmapPages().isPresent();
        int started = 0;
        try {
            for (int i = 0; i < writers.length; i++) {
                // the files of a split set differ only in their PFN range
                KdumpWriter.PfnRange range = split ? new KdumpWriter.PfnRange(i == 0 ? 0 : ends[i - 1], ends[i]) : null;
                KdumpWriter.Header header = new KdumpWriter.Header(layout, dump.byteOrder(), pageSize, utsname,
                        crashTime, 0, options.compression(), excludedVmemmap, maxMapnr, cpus, physBase, dumpLevel,
                        range, notes, vmcoreinfo[0], vmcoreinfo[1]);
                writers[i] = KdumpWriter.start(sinks.get(i), header, dumpable[0], perFile[i], sharedZeroPage);
                started++;
            }
        } catch (IOException e) {
            throw incomplete(sinks, writers, started, dumpable[0], e);
        }

        // pass 2: bitmaps (whole, into every file) and pages (each into the file of its range)
        try (PagePipeline pipeline = new PagePipeline(dump, options, sharedZeroPage, writers, ends, dumpable[0],
                listener)) {
            byte[][] buffer = {new byte[0]};
            CycleConsumer writeCycle = cycle -> {
                int n = cycle.ram().byteLength();
                if (buffer[0].length < n) {
                    buffer[0] = new byte[n];
                }
                byte[] bits = buffer[0];
                try {
                    cycle.ram().copyBytes(bits, 0);
                    for (KdumpWriter w : writers) {
                        w.writeMemoryBitmap(cycle.startPfn(), bits, 0, n);
                    }
                    // the 2nd bitmap goes out before the cycle's pages, so a run killed mid-cycle leaves
                    // their descriptors unwritten (lost pages), not the pages marked as filtered out
                    cycle.dumpable().copyBytes(bits, 0);
                    for (KdumpWriter w : writers) {
                        w.writeDumpableBitmap(cycle.startPfn(), bits, 0, n);
                    }
                } catch (IOException e) {
                    throw new PagePipeline.SinkFailure(e);
                }
                PfnBitmap d = cycle.dumpable();
                long to = cycle.endPfn();
                for (long pfn = d.nextSetBit(cycle.startPfn()); pfn >= 0 && pfn < to; pfn = d.nextSetBit(pfn + 1)) {
                    pipeline.add(pfn);
                }
                // a page that could not be read is taken out of the 2nd bitmap, so readers see it as not
                // dumped instead of reading wrong bytes; the cycle's pages must be written first
                pipeline.drain();
                for (long pfn : pipeline.takeUnreadable()) {
                    int bit = (int) (pfn - cycle.startPfn());
                    bits[bit >>> 3] &= (byte) ~(1 << (bit & 7));
                    try {
                        for (KdumpWriter w : writers) {
                            w.writeDumpableBitmap(cycle.startPfn() + (bit & ~7), bits, bit >>> 3, 1);
                        }
                    } catch (IOException e) {
                        throw new PagePipeline.SinkFailure(e);
                    }
                }
            };
            FilterReport written;
            if (onlyCycle[0] != null) {
                writeCycle.accept(onlyCycle[0]);
                written = counted;
            } else {
                written = f.scan(dump, writeCycle);
            }
            pipeline.drain();
            byte[] eraseinfo = dump instanceof KdumpVmcore k ? k.eraseInfo().orElse(new byte[0]) : new byte[0];
            for (KdumpWriter w : writers) {
                try {
                    w.finish(eraseinfo);
                } catch (IOException e) {
                    throw new PagePipeline.SinkFailure(e);
                }
            }
            if (pipeline.unreadablePages() > 0) {
                listener.warning(pipeline.unreadablePages() + " page(s) could not be read from " + dump.description()
                        + " and are left out of the dump (marked not dumped in the 2nd bitmap)");
            }
            return written.withZeroPages(pipeline.zeroPages());
        } catch (PagePipeline.SinkFailure e) {
            throw incomplete(sinks, writers, writers.length, dumpable[0], e.io());
        } catch (IOException e) {
            // the input failed: still leave readable, marked files behind
            throw incomplete(sinks, writers, writers.length, dumpable[0], e);
        } catch (RuntimeException | Error e) {
            IncompleteDumpException ie = incomplete(sinks, writers, writers.length, dumpable[0], new IOException(e));
            e.addSuppressed(ie);
            throw e;
        }
    }

    /** Aborts every started writer that has not finished and describes the result. */
    private static IncompleteDumpException incomplete(List<DumpSink> sinks, KdumpWriter[] writers, int started,
            long total, IOException cause) {
        long readable = 0;
        boolean marked = true;
        for (int i = 0; i < started; i++) {
            if (writers[i].isFinished()) {
                readable += writers[i].pagesWritten();
            } else {
                readable += writers[i].abort(cause);
            }
            marked &= sinks.get(i).canRewrite();
        }
        String where = sinks.size() == 1 ? sinks.get(0).description()
                : sinks.get(0).description() + " (+" + (sinks.size() - 1) + " split files)";
        return new IncompleteDumpException(where, readable, total, marked && started > 0, cause);
    }

    /** Dumpable pages per split block, as get_num_dumpable_cyclic_withsplit tabulates them. */
    static final class SplitblockCounter {
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
                        table = java.util.Arrays.copyOf(table, blocks * 2);
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

    static HeaderLayout layoutFor(Vmcore dump) {
        // 32-bit kernels: makedumpfile on i386 packs 64-bit members to 4 bytes; ARM EABI pads them
        return switch (dump.architecture().pointerSize()) {
            case 8 -> HeaderLayout.LP64;
            default -> dump.architecture().elfMachine() == 40 ? HeaderLayout.ILP32_PAD : HeaderLayout.ILP32_PACK;
        };
    }

    /**
     * Pages in PFN order -> batches -> workers (read, zero test, compress) -> writer, in order.
     * With no workers, batches are processed on the calling thread.
     */
    static final class PagePipeline implements AutoCloseable {
        /** A failure of the output, told apart from failures reading the input. */
        static final class SinkFailure extends IOException {
            private static final long serialVersionUID = 1L;

            SinkFailure(IOException cause) {
                super(cause.getMessage(), cause);
            }

            IOException io() {
                return (IOException) getCause();
            }
        }

        private final Vmcore dump;
        private final int pageSize;
        private final boolean zeroTest;
        private final Compression compression;
        private final KdumpWriter[] writers;
        private final long[] ends;
        private int target;
        private final long total;
        private final CollectorListener listener;
        private final ExecutorService executor;
        private final BlockingQueue<Batch> free;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private final ThreadLocal<PageCompressor> compressors;
        /** Every worker's compressor, so that close() releases their native state (zstd contexts). */
        private final java.util.Queue<PageCompressor> workerCompressors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final PageCompressor inline;
        private final int maxInFlight;
        private Batch current;
        private long zeroPages;
        private long done;
        private final List<Long> unreadable = new java.util.ArrayList<>();
        private long unreadableTotal;
        private static final int MAX_UNREADABLE_WARNINGS = 16;

        /** PFNs that could not be read since the last call (the pipeline must be drained). */
        List<Long> takeUnreadable() {
            List<Long> out = List.copyOf(unreadable);
            unreadable.clear();
            return out;
        }

        long unreadablePages() {
            return unreadableTotal;
        }

        PagePipeline(Vmcore dump, Options options, boolean zeroTest, KdumpWriter[] writers, long[] ends, long total,
                CollectorListener listener) {
            this.dump = dump;
            this.pageSize = dump.physicalMemory().pageSize();
            this.zeroTest = zeroTest;
            this.compression = options.compression();
            this.writers = writers;
            this.ends = ends;
            this.total = total;
            this.listener = listener;
            int workers = options.workers() <= 1 ? 0 : options.workers();
            this.maxInFlight = workers == 0 ? 1 : 2 * workers + 2;
            this.free = new ArrayBlockingQueue<>(maxInFlight + 1);
            for (int i = 0; i <= maxInFlight; i++) {
                free.add(new Batch(BATCH_PAGES, pageSize));
            }
            if (workers == 0) {
                this.executor = null;
                this.compressors = null;
                this.inline = new PageCompressor(compression, pageSize);
            } else {
                this.executor = Executors.newFixedThreadPool(workers, r -> {
                    Thread t = new Thread(r, "vmcore4j-compress");
                    t.setDaemon(true);
                    return t;
                });
                this.compressors = ThreadLocal.withInitial(() -> {
                    PageCompressor c = new PageCompressor(compression, pageSize);
                    workerCompressors.add(c);
                    return c;
                });
                this.inline = null;
            }
        }

        long zeroPages() {
            return zeroPages;
        }

        void add(long pfn) throws IOException {
            if (current == null) {
                current = take();
            }
            current.pfns[current.count++] = pfn;
            if (current.count == BATCH_PAGES) {
                submit();
            }
        }

        private Batch take() throws IOException {
            Batch b = free.poll();
            while (b == null) {
                writeOldest();
                b = free.poll();
            }
            b.count = 0;
            return b;
        }

        private void submit() throws IOException {
            Batch b = current;
            current = null;
            if (executor == null) {
                b.process(dump, zeroTest, inline);
                write(b);
                return;
            }
            if (inFlight.size() >= maxInFlight) {
                writeOldest();
            }
            inFlight.add(executor.submit(() -> {
                b.process(dump, zeroTest, compressors.get());
                return b;
            }));
        }

        private void writeOldest() throws IOException {
            Future<Batch> f = inFlight.poll();
            if (f == null) {
                throw new IllegalStateException("no batch in flight and none free");
            }
            Batch b;
            try {
                b = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while compressing pages");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof InternalError) {
                    // how the JVM reports SIGBUS on a mapped page: the input shrank, or its file system
                    // could not back the page (a sparse file on a full tmpfs); /proc/vmcore does neither
                    throw new IOException("a page of " + dump.description() + " could not be read through its "
                            + "mapping (the file shrank, or its file system cannot back the page); --non-mmap "
                            + "reads it with read calls instead: " + c.getMessage(), c);
                }
                throw new IOException(c);
            }
            write(b);
        }

        private void write(Batch b) throws IOException {
            try {
                for (int i = 0; i < b.count; i++) {
                    while (b.pfns[i] >= ends[target]) {
                        target++; // pages come in PFN order: on to the next split file
                    }
                    KdumpWriter writer = writers[target];
                    int len = b.lengths[i];
                    if (len == Batch.UNREADABLE) {
                        writer.skipPage();
                        unreadable.add(b.pfns[i]);
                        if (++unreadableTotal <= MAX_UNREADABLE_WARNINGS) {
                            listener.warning("Can't read the page at PFN " + b.pfns[i] + " (" + b.errors[i]
                                    + "); it is left out of the dump"
                                    + (unreadableTotal == MAX_UNREADABLE_WARNINGS ? " (further such pages are counted, "
                                            + "not listed)" : ""));
                        }
                    } else if (len == 0) {
                        writer.writeZeroPage();
                        zeroPages++;
                    } else if (len < 0) {
                        writer.writePage(b.input, i * pageSize, pageSize, Compression.NONE);
                    } else {
                        writer.writePage(b.output, i * pageSize, len, compression);
                    }
                }
            } catch (IOException e) {
                throw new SinkFailure(e);
            }
            done += b.count;
            listener.copyProgress(done, total);
            free.add(b);
        }

        void drain() throws IOException {
            if (current != null && current.count > 0) {
                submit();
            }
            while (!inFlight.isEmpty()) {
                writeOldest();
            }
        }

        @Override
        public void close() {
            if (executor != null) {
                executor.shutdownNow();
                try {
                    if (!executor.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                        return; // a worker is still busy: leave its compressor to the garbage collector
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                workerCompressors.forEach(PageCompressor::close);
            }
            if (inline != null) {
                inline.close();
            }
        }
    }

    /** A run of pages in PFN order and, once processed, how each is to be stored. */
    static final class Batch {
        /** {@link #lengths} value of a page whose read failed. */
        static final int UNREADABLE = Integer.MIN_VALUE;
        final long[] pfns;
        final String[] errors;
        final byte[] input;
        final byte[] output;
        /** Per page: 0 = all zeros (shared zero page), -1 = raw (input), else compressed length in output. */
        final int[] lengths;
        int count;

        Batch(int pages, int pageSize) {
            pfns = new long[pages];
            input = new byte[pages * pageSize];
            output = new byte[pages * pageSize];
            lengths = new int[pages];
            errors = new String[pages];
        }

        void process(Vmcore dump, boolean zeroTest, PageCompressor compressor) throws IOException {
            int ps = compressor.pageSize();
            PhysicalMemory memory = dump.physicalMemory();
            // Consecutive frames are read with one call (one pread of up to a whole batch, not one per page);
            // if that fails, the run is read again page by page so that only the bad pages are skipped.
            for (int i = 0; i < count; ) {
                int run = 1;
                while (i + run < count && pfns[i + run] == pfns[i] + run) {
                    run++;
                }
                boolean whole = false;
                if (run > 1) {
                    try {
                        memory.read(pfns[i] * ps, input, i * ps, run * ps);
                        whole = true;
                    } catch (IOException e) {
                        whole = false;
                    }
                }
                for (int j = i; j < i + run; j++) {
                    errors[j] = null;
                    lengths[j] = 0;
                    if (!whole) {
                        try {
                            memory.readPage(pfns[j], input, j * ps);
                        } catch (IOException e) {
                            // reported and skipped, the dump goes on (a bad page of /proc/vmcore must not cost the rest)
                            lengths[j] = UNREADABLE;
                            errors[j] = e.getMessage();
                        }
                    }
                }
                i += run;
            }
            for (int i = 0; i < count; i++) {
                int at = i * ps;
                if (lengths[i] == UNREADABLE) {
                    continue;
                }
                if (zeroTest && PageFilter.isZeroPage(input, at, ps)) {
                    lengths[i] = 0;
                } else {
                    lengths[i] = compressor.compress(input, at, output, at);
                }
            }
        }
    }
}
