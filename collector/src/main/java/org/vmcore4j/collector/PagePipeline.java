package org.vmcore4j.collector;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.KdumpWriter;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.PageCompressor;

/**
 * Pages in PFN order -> batches -> workers (read, zero test, compress) -> writer, in order.
 * With no workers, batches are processed on the calling thread.
 */
final class PagePipeline implements AutoCloseable {
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

    /** Pages per batch: a batch is the unit a worker takes and the writer puts out. */
    static final int BATCH_PAGES = 64;

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
    private final BlockingQueue<PageBatch> free;
    private final ArrayDeque<Future<PageBatch>> inFlight = new ArrayDeque<>();
    private final ThreadLocal<PageCompressor> compressors;
    /** Every worker's compressor, so that close() releases their native state (zstd contexts). */
    private final Queue<PageCompressor> workerCompressors = new ConcurrentLinkedQueue<>();
    private final PageCompressor inline;
    private final int maxInFlight;
    private PageBatch current;
    private long zeroPages;
    private long done;
    private final List<Long> unreadable = new ArrayList<>();
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

    PagePipeline(Vmcore dump, KdumpCollector.Options options, boolean zeroTest, KdumpWriter[] writers, long[] ends,
            long total, CollectorListener listener) {
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
            free.add(new PageBatch(BATCH_PAGES, pageSize));
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

    private PageBatch take() throws IOException {
        PageBatch b = free.poll();
        while (b == null) {
            writeOldest();
            b = free.poll();
        }
        b.count = 0;
        return b;
    }

    private void submit() throws IOException {
        PageBatch b = current;
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
        Future<PageBatch> f = inFlight.poll();
        if (f == null) {
            throw new IllegalStateException("no batch in flight and none free");
        }
        PageBatch b;
        try {
            b = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing pages");
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

    private void write(PageBatch b) throws IOException {
        try {
            for (int i = 0; i < b.count; i++) {
                while (b.pfns[i] >= ends[target]) {
                    target++; // pages come in PFN order: on to the next split file
                }
                KdumpWriter writer = writers[target];
                int len = b.lengths[i];
                if (len == PageBatch.UNREADABLE) {
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
                if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
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
