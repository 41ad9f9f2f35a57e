package org.vmcore4j.benchmarks;

import io.airlift.compress.lzo.LzoCompressor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.Lzo1x1Compressor;
import org.vmcore4j.kdump.internal.codec.PageCodec;

/**
 * The two pure-Java LZO1X encoders side by side on the {@link CodecBenchmark} sample, one page per
 * stream with a worst-case-sized output buffer: {@code vmcore4j}, our {@link Lzo1x1Compressor}
 * (byte-identical to liblzo2's {@code lzo1x_1_compress}, what {@code -l} now uses), and
 * {@code aircompressor}, the {@code LzoCompressor} {@code -l} used before, and {@code lzoCodec}, what
 * {@code -l} runs: liblzo2 itself on Java 22+ with native access enabled (run JMH on such a JDK with
 * {@code -jvmArgsAppend --enable-native-access=ALL-UNNAMED}), else our encoder. The {@code bytes}
 * secondary result is uncompressed bytes per second on one core (divide by 10^6 for MB/s); liblzo2's
 * own figure on the same sample comes from {@code codec-tools.sh}. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar LzoEncoderBenchmark -wi 3 -i 5 -f 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Threads(1)
public class LzoEncoderBenchmark {
    @Param({"vmcore4j", "aircompressor", "lzoCodec"})
    public String encoder;

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
    private byte[] out;
    private Lzo1x1Compressor ours;
    private LzoCompressor aircompressor;
    private PageCodec codec;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        PageSample s = PageSample.load(dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump), pages, seed, level);
        sample = s.bytes();
        pageSize = s.pageSize();
        switch (encoder) {
            case "vmcore4j" -> ours = new Lzo1x1Compressor();
            case "aircompressor" -> aircompressor = new LzoCompressor();
            case "lzoCodec" -> codec = PageCodec.of(Compression.LZO);
            default -> throw new IllegalArgumentException("encoder " + encoder);
        }
        out = new byte[Math.max(Lzo1x1Compressor.maxCompressedLength(pageSize),
                new LzoCompressor().maxCompressedLength(pageSize))];
    }

    @Benchmark
    public long compress(CodecBenchmark.Bytes counter) {
        long total = 0;
        if (ours != null) {
            for (int off = 0; off < sample.length; off += pageSize) {
                total += ours.compress(sample, off, pageSize, out, 0, out.length);
            }
        } else if (codec != null) {
            for (int off = 0; off < sample.length; off += pageSize) {
                total += codec.compress(sample, off, pageSize, out, 0, out.length);
            }
        } else {
            for (int off = 0; off < sample.length; off += pageSize) {
                total += aircompressor.compress(sample, off, pageSize, out, 0, out.length);
            }
        }
        counter.bytes += sample.length;
        return total;
    }
}
