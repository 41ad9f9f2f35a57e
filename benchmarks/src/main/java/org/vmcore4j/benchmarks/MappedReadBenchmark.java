package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.internal.MappedFileSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.internal.WindowedFileSource;

/**
 * The read path under the collector: pages and 8-byte words of a dump file through
 * {@link MappedFileSource} (1 GiB windows as {@code Vmcore.open} maps, or 1 MiB windows, where more
 * reads straddle two), {@link WindowedFileSource} (the collector's: one 4 MiB window per thread,
 * unmapped as it moves on), against {@link ChannelSource} (positional reads, {@code --non-mmap}).
 * The file should be in the page cache (read it once before): this measures the copy and call
 * overhead, not the disk. The {@code bytes} secondary result is bytes read per second.
 *
 * <ul>
 *   <li>{@code readPagesSequential}: 4096 consecutive 4 KiB pages into one reused buffer, continuing
 *       where the last call stopped (as the collector reads dumpable pages in PFN order);</li>
 *   <li>{@code readPagesRandom}: 4096 seeded random page-aligned pages (a kdump file's pages read by
 *       an analysis tool);</li>
 *   <li>{@code readLongRandom}: 4096 random 8-byte little-endian words (struct page fields while
 *       mem_map is walked, page table entries).</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MappedReadBenchmark [-p dump=PATH]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx64m")
@Threads(1)
public class MappedReadBenchmark {
    static final int PAGE = 4096;
    static final int BATCH = 4096;

    /** mapped30: 1 GiB windows (Vmcore.open's); mapped20: 1 MiB windows; windowed: the collector's; pread: ChannelSource. */
    @Param({"mapped30", "mapped20", "windowed", "pread"})
    public String source;

    /** The file to read; empty: the corpus's 6.1 dump. */
    @Param({""})
    public String dump;

    private RandomAccessSource src;
    private long pages;
    private long cursor;
    private long[] randomPages;
    private long[] randomWords;
    private final byte[] page = new byte[PAGE];

    /** Bytes read, per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path path = dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump);
        src = switch (source) {
            case "mapped30" -> MappedFileSource.map(path, 30);
            case "mapped20" -> MappedFileSource.map(path, 20);
            case "windowed" -> WindowedFileSource.open(path, WindowedFileSource.DEFAULT_WINDOW_POWER);
            case "pread" -> ChannelSource.open(path);
            default -> throw new IllegalArgumentException("source: mapped30, mapped20, windowed or pread, not " + source);
        };
        pages = src.size() / PAGE;
        SplittableRandom random = new SplittableRandom(20240604L);
        randomPages = new long[BATCH];
        randomWords = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            randomPages[i] = random.nextLong(pages) * PAGE;
            randomWords[i] = random.nextLong(src.size() / 8) * 8;
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        src.close();
    }

    @Benchmark
    public byte readPagesSequential(Bytes counter) throws IOException {
        byte x = 0;
        for (int i = 0; i < BATCH; i++) {
            if (cursor >= pages) {
                cursor = 0;
            }
            src.read(cursor++ * PAGE, page, 0, PAGE);
            x ^= page[i & (PAGE - 1)];
        }
        counter.bytes += (long) BATCH * PAGE;
        return x;
    }

    @Benchmark
    public byte readPagesRandom(Bytes counter) throws IOException {
        byte x = 0;
        for (int i = 0; i < BATCH; i++) {
            src.read(randomPages[i], page, 0, PAGE);
            x ^= page[i & (PAGE - 1)];
        }
        counter.bytes += (long) BATCH * PAGE;
        return x;
    }

    @Benchmark
    public long readLongRandom(Bytes counter) throws IOException {
        long x = 0;
        for (int i = 0; i < BATCH; i++) {
            x ^= src.readLong(randomWords[i], ByteOrder.LITTLE_ENDIAN);
        }
        counter.bytes += (long) BATCH * 8;
        return x;
    }
}
