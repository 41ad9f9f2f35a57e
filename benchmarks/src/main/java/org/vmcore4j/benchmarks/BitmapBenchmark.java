package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.internal.MappedFileSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.collector.CollectorListener;
import org.vmcore4j.collector.KdumpCollector;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.PfnBitmap;
import org.vmcore4j.kdump.KdumpFile;
import org.vmcore4j.kdump.PageBitmap;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Bitmap operations on the real bits of a dump, one core. Setup scans the dump at {@code level} and
 * keeps the first cycle's dumpable {@link PfnBitmap} (the whole of a corpus dump fits one cycle), and
 * writes a kdump file of the dump at that level (zstd) into a temporary folder whose 2nd bitmap
 * ({@link PageBitmap}, read in place through a mapping, with its rank table) the page-lookup
 * benchmarks use. The {@code bits} secondary result counts set bits visited (walks) or lookups made
 * (random access) per second.
 *
 * <ul>
 *   <li>{@code pfnNextSetBitWalk}: every set bit by {@code nextSetBit(p + 1)}, as the collector feeds
 *       its pipeline;</li>
 *   <li>{@code pfnCardinality}, {@code pfnCardinalityRange} (the split-block counter's call, here over
 *       the whole range), {@code pfnCopyBytes} (the on-disk bit order, once per cycle and bitmap);</li>
 *   <li>{@code pageRankRandom}: {@code rank(pfn)} of 4096 seeded random frames (a page descriptor's
 *       index, the read path of every page of a kdump file);</li>
 *   <li>{@code pageGetRandom}, {@code pageNextSetBitWalk} (--reassemble walks a part like this).</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BitmapBenchmark [-p dump=PATH] [-p level=31]}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Threads(1)
public class BitmapBenchmark {
    static final int LOOKUPS = 4096;

    @Param({"31", "1"})
    public int level;

    /** The dump; empty: the corpus's 6.1 dump. */
    @Param({""})
    public String dump;

    private PfnBitmap pfnBitmap;
    private long pfnSetBits;
    private byte[] copyBuffer;
    private Path tmpDir;
    private KdumpFile kdump;
    private PageBitmap pageBitmap;
    private long[] randomPfns;

    /** Set bits visited or lookups made, per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bits {
        public long bits;

        @Setup(Level.Iteration)
        public void reset() {
            bits = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path path = dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump);
        tmpDir = Files.createTempDirectory("vmcore4j-bitmap-bench");
        Path out = tmpDir.resolve("dump-d" + level + ".kdump");
        try (Vmcore vmcore = Vmcore.open(path)) {
            PfnBitmap[] first = {null};
            PageFilter.forLevel(level).scan(vmcore, cycle -> {
                if (first[0] == null) {
                    first[0] = cycle.dumpable().copy();
                }
            });
            pfnBitmap = first[0];
            try (DumpSink sink = DumpSink.toFile(out)) {
                KdumpCollector.write(vmcore, PageFilter.forLevel(level), KdumpCollector.Options.of(Compression.ZSTD)
                        .withWorkers(2), sink, CollectorListener.NONE);
            }
        }
        pfnSetBits = pfnBitmap.cardinality();
        copyBuffer = new byte[pfnBitmap.byteLength()];
        kdump = KdumpFile.open(MappedFileSource.map(out, MappedFileSource.MAX_CHUNK_POWER));
        pageBitmap = kdump.dumpableBitmap();
        SplittableRandom random = new SplittableRandom(20240604L);
        randomPfns = new long[LOOKUPS];
        for (int i = 0; i < LOOKUPS; i++) {
            randomPfns[i] = random.nextLong(pageBitmap.size());
        }
        System.out.printf(Locale.ROOT, "%n# -d %d: cycle bitmap %s with %d set; kdump 2nd bitmap %s%n", level, pfnBitmap,
                pfnSetBits, pageBitmap);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        kdump.close();
        try (var files = Files.list(tmpDir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(tmpDir);
    }

    @Benchmark
    public long pfnNextSetBitWalk(Bits counter) {
        PfnBitmap b = pfnBitmap;
        long sum = 0;
        long n = 0;
        for (long p = b.nextSetBit(b.startPfn()); p >= 0; p = b.nextSetBit(p + 1)) {
            sum += p;
            n++;
        }
        counter.bits += n;
        return sum;
    }

    @Benchmark
    public long pfnCardinality(Bits counter) {
        counter.bits += pfnSetBits;
        return pfnBitmap.cardinality();
    }

    @Benchmark
    public long pfnCardinalityRange(Bits counter) {
        counter.bits += pfnSetBits;
        return pfnBitmap.cardinality(pfnBitmap.startPfn(), pfnBitmap.endPfn());
    }

    @Benchmark
    public byte[] pfnCopyBytes() {
        pfnBitmap.copyBytes(copyBuffer, 0);
        return copyBuffer;
    }

    @Benchmark
    public long pageRankRandom(Bits counter) throws IOException {
        long sum = 0;
        for (long pfn : randomPfns) {
            sum += pageBitmap.rank(pfn);
        }
        counter.bits += randomPfns.length;
        return sum;
    }

    @Benchmark
    public int pageGetRandom(Bits counter) throws IOException {
        int n = 0;
        for (long pfn : randomPfns) {
            n += pageBitmap.get(pfn) ? 1 : 0;
        }
        counter.bits += randomPfns.length;
        return n;
    }

    @Benchmark
    public long pageNextSetBitWalk(Bits counter) throws IOException {
        PageBitmap b = pageBitmap;
        long sum = 0;
        long n = 0;
        for (long p = b.nextSetBit(0); p >= 0; p = b.nextSetBit(p + 1)) {
            sum += p;
            n++;
        }
        counter.bits += n;
        return sum;
    }
}
