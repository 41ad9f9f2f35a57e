package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;
import org.vmcore4j.kdump.internal.codec.PageCodec;
import org.vmcore4j.kdump.internal.codec.PageCompressor;

/**
 * Per-core compress and decompress throughput of each page codec on a seeded {@link PageSample} of
 * a real dump (default: 4096 non-zero pages that {@code -d 31} keeps of the corpus's 6.1 dump),
 * every page an independent stream as in a kdump-compressed file.
 *
 * <p>One invocation is one pass over the whole sample. The {@code bytes} secondary result is
 * <b>uncompressed bytes per second</b> (divide by 10^6 for MB/s): for compression every sampled
 * byte; for decompression the bytes of the pages that shrank, the only ones a dump stores
 * compressed (a page that does not shrink is stored raw and never decoded).
 *
 * <ul>
 *   <li>{@code compress}: the codec with a worst-case-sized output buffer, as makedumpfile calls
 *       the C libraries (pure codec speed).</li>
 *   <li>{@code compressForDump}: {@link PageCompressor}, what the collector runs: output room for
 *       {@code pageSize - 1} bytes, -1 for a page that does not shrink.</li>
 *   <li>{@code decompress}: the stored pages back to pages.</li>
 * </ul>
 *
 * <p>The compression ratio of each codec on the sample is printed once in the trial setup (and by
 * {@code PageSample}'s main). Run:
 * {@code java -jar benchmarks/target/benchmarks.jar CodecBenchmark -wi 2 -i 3 -f 1 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Threads(1)
public class CodecBenchmark {
    static final Compression[] CODECS = {Compression.ZLIB, Compression.LZO, Compression.SNAPPY, Compression.ZSTD,
            Compression.LZ4};

    @Param({"zlib", "lzo", "snappy", "zstd", "lz4"})
    public String codec;

    /** The dump to sample; empty: the corpus's 6.1 dump ({@link PageSample#defaultDump()}). */
    @Param({""})
    public String dump;

    @Param({"4096"})
    public int pages;

    @Param({"20240604"})
    public long seed;

    @Param({"31"})
    public int level;

    private byte[] sample;
    private int pageSize;
    private int pageCount;
    private PageCodec pageCodec;
    private PageCompressor pageCompressor;
    private byte[] out;
    private byte[] page;
    /** The pages that shrank, compressed one after the other; page i at {@code offsets[i]}, {@code lengths[i]}. */
    private byte[] stored;
    private int[] offsets;
    private int[] lengths;
    private long storedPageBytes;

    /** Uncompressed bytes processed, reported per second beside the pass rate. */
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
    public void setUp() throws IOException, CorruptPageException {
        Compression c = Compression.valueOf(codec.toUpperCase(Locale.ROOT));
        PageSample s = PageSample.load(dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump), pages, seed, level);
        sample = s.bytes();
        pageSize = s.pageSize();
        pageCount = s.pageCount();
        pageCodec = PageCodec.of(c);
        pageCompressor = new PageCompressor(c, pageSize);
        out = new byte[pageCodec.maxCompressedLength(pageSize)];
        page = new byte[pageSize];
        stored = new byte[Math.multiplyExact(pageCount, pageSize)];
        offsets = new int[pageCount];
        lengths = new int[pageCount];
        int at = 0;
        int n = 0;
        for (int i = 0; i < pageCount; i++) {
            int len = pageCompressor.compress(sample, i * pageSize, stored, at);
            if (len > 0) {
                // check the round trip once, so a broken codec cannot post a figure
                pageCodec.decompress(stored, at, len, page, 0, pageSize);
                if (Arrays.mismatch(page, 0, pageSize, sample, i * pageSize, (i + 1) * pageSize) >= 0) {
                    throw new IllegalStateException(c + " does not round-trip page " + i);
                }
                offsets[n] = at;
                lengths[n] = len;
                at += len;
                n++;
            }
        }
        offsets = Arrays.copyOf(offsets, n);
        lengths = Arrays.copyOf(lengths, n);
        storedPageBytes = (long) n * pageSize;
        long storedBytes = at + (long) (pageCount - n) * pageSize;
        System.out.printf(Locale.ROOT, "%n# %s on %d pages of %s (%d kept at -d %d): %d -> %d bytes stored, ratio %.3f,"
                        + " %d pages stored raw%n", c, pageCount, s.source(), s.candidates(), level, sample.length,
                storedBytes, (double) sample.length / storedBytes, pageCount - n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pageCodec.close();
        pageCompressor.close();
    }

    @Benchmark
    public long compress(Bytes counter) {
        long total = 0;
        for (int off = 0; off < sample.length; off += pageSize) {
            total += pageCodec.compress(sample, off, pageSize, out, 0, out.length);
        }
        counter.bytes += sample.length;
        return total;
    }

    @Benchmark
    public long compressForDump(Bytes counter) {
        long total = 0;
        for (int off = 0; off < sample.length; off += pageSize) {
            total += pageCompressor.compress(sample, off, out, 0);
        }
        counter.bytes += sample.length;
        return total;
    }

    @Benchmark
    public byte decompress(Bytes counter) throws CorruptPageException {
        byte x = 0;
        for (int i = 0; i < offsets.length; i++) {
            pageCodec.decompress(stored, offsets[i], lengths[i], page, 0, pageSize);
            x ^= page[i & (pageSize - 1)];
        }
        counter.bytes += storedPageBytes;
        return x;
    }
}
