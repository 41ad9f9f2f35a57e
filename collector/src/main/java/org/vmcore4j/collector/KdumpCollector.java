package org.vmcore4j.collector;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.KdumpWriter;
import org.vmcore4j.kdump.PfnRange;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.ZeroPageHandling;
import org.vmcore4j.filter.CycleConsumer;
import org.vmcore4j.filter.DumpLevel;
import org.vmcore4j.filter.FilterCycle;
import org.vmcore4j.filter.PfnBitmap;

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
 * <p>This class drives the two passes; {@link SplitblockCounter} chooses the ranges of a split
 * set, {@link KdumpHeaderAssembler} the headers, {@link PagePipeline} reads, compresses and writes
 * the pages.
 *
 * <p>Memory: a fixed number of page batches ({@code 2 * workers + 2}, {@value PagePipeline#BATCH_PAGES} pages
 * each) plus the writer's buffers and the scan's cycle buffer; nothing per page.
 */
public final class KdumpCollector {
    /**
     * How to write: an immutable value.
     *
     * @param compression page codec ({@link Compression#NONE} for raw pages)
     * @param workers     compression threads; 0 or 1 compress on the writing thread
     */
    public record Options(Compression compression, int workers) {
        /**
         * Checks the values.
         *
         * @param compression page codec
         * @param workers     compression threads, 0..256
         * @throws NullPointerException     if {@code compression} is null
         * @throws IllegalArgumentException if {@code workers} is outside 0..256
         */
        public Options {
            Objects.requireNonNull(compression, "compression");
            if (workers < 0 || workers > 256) {
                throw new IllegalArgumentException("workers must be 0..256: " + workers);
            }
        }

        /**
         * Writes with {@code compression} on the writing thread.
         *
         * @param compression page codec
         * @return the options
         */
        public static Options of(Compression compression) {
            return new Options(compression, 0);
        }

        /**
         * The same options with {@code n} compression threads.
         *
         * @param n compression threads (0..256); 0 or 1 compress on the writing thread
         * @return the options
         */
        public Options withWorkers(int n) {
            return new Options(compression, n);
        }
    }

    /** makedumpfile's default {@code --splitblock-size}: 1 GiB of frames per split block. */
    public static final long DEFAULT_SPLITBLOCK_BYTES = 1L << 30;

    private KdumpCollector() {
    }

    /**
     * Writes {@code dump} filtered by {@code filter} into {@code sink}, then calls {@link DumpSink#finish()}.
     * The sink is not closed. On a write failure the file is left readable (see
     * {@link KdumpWriter#abort}) and an {@link IncompleteDumpException} says how far it got.
     * Pages are read and compressed on {@code options.workers()} threads of this call's own (on the
     * calling thread with 0 or 1), stopped before it returns; the sink is written on the calling thread.
     *
     * @param dump     the dump to copy
     * @param filter   which pages to keep (its dump level, cycle buffer and vmemmap option)
     * @param options  codec and compression threads
     * @param sink     where the kdump-compressed file goes
     * @param listener scan and copy progress, called on the calling thread
     * @return the counts, as makedumpfile's report prints them (zero pages counted while writing)
     * @throws IncompleteDumpException if writing failed part-way (what was written stays readable)
     * @throws IOException if the dump cannot be read or classified, before anything is written
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
     *
     * @param dump            the dump to copy
     * @param filter          which pages to keep
     * @param options         codec and compression threads
     * @param sinks           one per file of the set, in order (at least two)
     * @param splitblockBytes makedumpfile's {@code --splitblock-size} in bytes, a multiple of the page size
     * @param listener        scan and copy progress, called on the calling thread
     * @return the counts over the whole set
     * @throws IncompleteDumpException if writing failed part-way (what was written stays readable)
     * @throws IOException if the dump cannot be read or classified, before anything is written
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
        KdumpWriter[] writers = new KdumpWriter[sinks.size()];
        long[] perFile = split ? blocks.perFile(ends) : new long[] {dumpable[0]};
        KdumpHeaderAssembler headers = new KdumpHeaderAssembler(dump, CrashedKernel.of(dump, listener),
                options.compression(), counted.unusedVmemmapPages().isPresent(), maxMapnr, dumpLevel);
        int started = 0;
        try {
            for (int i = 0; i < writers.length; i++) {
                // the files of a split set differ only in their PFN range
                PfnRange range = split ? new PfnRange(i == 0 ? 0 : ends[i - 1], ends[i]) : null;
                writers[i] = KdumpWriter.start(sinks.get(i), headers.header(range), dumpable[0], perFile[i],
                        sharedZeroPage);
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
            byte[] eraseinfo = dump.eraseInfo().orElse(new byte[0]);
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
}
