package org.vmcore4j.filter;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
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
     * @param split       for one file of a split set, the PFN range it holds; null for a whole dump
     */
    public record Options(Compression compression, int workers, KdumpWriter.PfnRange split) {
        public Options {
            Objects.requireNonNull(compression, "compression");
            if (workers < 0 || workers > 256) {
                throw new IllegalArgumentException("workers must be 0..256: " + workers);
            }
        }

        public static Options of(Compression compression) {
            return new Options(compression, 0, null);
        }

        public Options withWorkers(int n) {
            return new Options(compression, n, split);
        }

        public Options withSplit(KdumpWriter.PfnRange range) {
            return new Options(compression, workers, range);
        }
    }

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
        Objects.requireNonNull(listener, "listener");
        PageFilter f = filter.withZeroPages(ZeroPageHandling.LEAVE_TO_WRITER).withListener(listener);
        KdumpWriter.PfnRange split = options.split();

        long[] dumpable = {0};
        FilterReport counted = f.scan(dump, cycle -> dumpable[0] += split == null ? cycle.dumpable().cardinality()
                : cardinality(cycle.dumpable(), split));
        long maxMapnr = counted.totalPages();

        int dumpLevel = f.level().value();
        boolean sharedZeroPage = (dumpLevel & DumpLevel.ZERO) != 0;
        byte[] notes = dump.noteSection();
        long[] vmcoreinfo = DumpFacts.vmcoreinfoWithin(notes, dump.byteOrder());
        int pageSize = dump.physicalMemory().pageSize();
        KdumpWriter.Header header = new KdumpWriter.Header(layoutFor(dump), dump.byteOrder(), pageSize,
                DumpFacts.utsname(dump, listener), DumpFacts.crashTime(dump), 0, options.compression(), false,
                maxMapnr, DumpFacts.cpuCount(dump), DumpFacts.physBase(dump), dumpLevel, split, notes,
                vmcoreinfo[0], vmcoreinfo[1]);

        KdumpWriter writer = KdumpWriter.start(sink, header, dumpable[0], sharedZeroPage);
        try (PagePipeline pipeline = new PagePipeline(dump, options, sharedZeroPage, writer, dumpable[0], listener)) {
            byte[][] buffer = {new byte[0]};
            FilterReport written = f.scan(dump, cycle -> {
                int n = cycle.ram().byteLength();
                if (buffer[0].length < n) {
                    buffer[0] = new byte[n];
                }
                byte[] bits = buffer[0];
                cycle.ram().copyBytes(bits, 0);
                writer.writeMemoryBitmap(cycle.startPfn(), bits, 0, n);
                cycle.dumpable().copyBytes(bits, 0);
                writer.writeDumpableBitmap(cycle.startPfn(), bits, 0, n);
                long from = cycle.startPfn();
                long to = cycle.endPfn();
                if (split != null) {
                    from = Math.max(from, split.start());
                    to = Math.min(to, split.end());
                }
                PfnBitmap d = cycle.dumpable();
                for (long pfn = d.nextSetBit(from); pfn >= 0 && pfn < to; pfn = d.nextSetBit(pfn + 1)) {
                    pipeline.add(pfn);
                }
            });
            pipeline.drain();
            eraseinfoAndFinish(dump, writer);
            return written.withZeroPages(pipeline.zeroPages());
        } catch (IOException e) {
            if (writer.pagesWritten() == 0 && !(e instanceof PagePipeline.SinkFailure)) {
                throw e;
            }
            IOException cause = e instanceof PagePipeline.SinkFailure s ? s.io() : e;
            long readable = writer.abort(cause);
            throw new IncompleteDumpException(sink.description(), readable, dumpable[0], sink.canRewrite(), cause);
        }
    }

    private static void eraseinfoAndFinish(Vmcore dump, KdumpWriter writer) throws IOException {
        byte[] eraseinfo = dump instanceof KdumpVmcore k ? k.eraseInfo().orElse(new byte[0]) : new byte[0];
        try {
            writer.finish(eraseinfo);
        } catch (IOException e) {
            throw new PagePipeline.SinkFailure(e);
        }
    }

    private static long cardinality(PfnBitmap b, KdumpWriter.PfnRange r) {
        long from = Math.max(b.startPfn(), r.start());
        long to = Math.min(b.endPfn(), r.end());
        return from < to ? b.cardinality(from, to) : 0;
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
        private final KdumpWriter writer;
        private final long total;
        private final CollectorListener listener;
        private final ExecutorService executor;
        private final BlockingQueue<Batch> free;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private final ThreadLocal<PageCompressor> compressors;
        private final PageCompressor inline;
        private final int maxInFlight;
        private Batch current;
        private long zeroPages;
        private long done;

        PagePipeline(Vmcore dump, Options options, boolean zeroTest, KdumpWriter writer, long total,
                CollectorListener listener) {
            this.dump = dump;
            this.pageSize = dump.physicalMemory().pageSize();
            this.zeroTest = zeroTest;
            this.compression = options.compression();
            this.writer = writer;
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
                this.compressors = ThreadLocal.withInitial(() -> new PageCompressor(compression, pageSize));
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
                throw new IOException(c);
            }
            write(b);
        }

        private void write(Batch b) throws IOException {
            try {
                for (int i = 0; i < b.count; i++) {
                    int len = b.lengths[i];
                    if (len == 0) {
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
            }
            if (inline != null) {
                inline.close();
            }
        }
    }

    /** A run of pages in PFN order and, once processed, how each is to be stored. */
    static final class Batch {
        final long[] pfns;
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
        }

        void process(Vmcore dump, boolean zeroTest, PageCompressor compressor) throws IOException {
            int ps = compressor.pageSize();
            for (int i = 0; i < count; i++) {
                int at = i * ps;
                dump.physicalMemory().readPage(pfns[i], input, at);
                if (zeroTest && PageFilter.isZeroPage(input, at, ps)) {
                    lengths[i] = 0;
                } else {
                    lengths[i] = compressor.compress(input, at, output, at);
                }
            }
        }
    }
}
