package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.collector.CollectorListener;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.collector.KdumpCollector;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.kdump.codec.Compression;

/**
 * The whole collector on a real dump, as {@code vmcore4j -z -d LEVEL --num-threads WORKERS} runs it
 * once the JVM is up: {@link KdumpCollector#write} (two scans, read, zero test, compress, write in PFN
 * order) into a {@link DiscardingSink}, so no file system is involved. One operation is one whole
 * dump; the secondary results are frames of the dump ({@code frames}) and bytes of output
 * ({@code outBytes}) per second. {@code -Xmx64m}, as in a crash kernel.
 *
 * <p>{@code workers} is the collector's compression thread count, as {@code --num-threads}: 1 (like 0)
 * reads and compresses on the writing thread itself, 2 on a pool of two beside it (on a 2-core
 * machine the writing thread then shares a core with them).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PipelineBenchmark [-p dump=PATH]
 * [-p codec=zlib]}. Seconds per dump are the inverse of the score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx64m")
@Threads(1)
public class PipelineBenchmark {

    @Param({"31", "1"})
    public int level;

    @Param({"1", "2"})
    public int workers;

    @Param({"zstd"})
    public String codec;

    /** The dump; empty: the corpus's 6.1 dump. */
    @Param({""})
    public String dump;

    private Vmcore vmcore;
    private PageFilter filter;
    private KdumpCollector.Options options;

    /** Frames of the dump and bytes written, per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        public long frames;
        public long outBytes;

        @Setup(Level.Iteration)
        public void reset() {
            frames = 0;
            outBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path path = dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump);
        vmcore = Vmcore.open(path);
        filter = PageFilter.forLevel(level);
        options = KdumpCollector.Options.of(Compression.valueOf(codec.toUpperCase(Locale.ROOT))).withWorkers(workers);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        vmcore.close();
    }

    @Benchmark
    public long write(Counts counts) throws IOException {
        DiscardingSink sink = new DiscardingSink();
        FilterReport report = KdumpCollector.write(vmcore, filter, options, sink, CollectorListener.NONE);
        counts.frames += report.totalPages();
        counts.outBytes += sink.fileSize();
        return sink.fileSize();
    }
}
