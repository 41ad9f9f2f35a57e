package org.vmcore4j.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.PageCompressor;

/**
 * The writer's half of the page path: the compressed pages of {@link PageSample} (as the pipeline's
 * batches hold them, in heap arrays of 64 pages) put into a file, as the collector's writer does.
 * {@code writer}: the way {@code KdumpWriter} does it, each page copied into one 1 MiB direct buffer
 * that is written with one positional write when full. {@code nettyPooled}: what netty-buffer offers
 * instead, each batch copied into a pooled direct buffer and a batch of them gathered into one write
 * ({@code CompositeByteBuf.nioBuffers()}). Both copy every byte once into direct memory and write
 * the same bytes; the {@code bytes} secondary result is page bytes (uncompressed) per second. The
 * file is in {@code java.io.tmpdir} and truncated before each iteration. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar WritePathBenchmark -jvmArgsAppend -XX:TieredStopAtLevel=1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m", "-Dio.netty.leakDetection.level=disabled"})
public class WritePathBenchmark {
    private static final int BATCH_PAGES = 64;
    private static final int WRITER_BUFFER = 1 << 20;

    @Param({"writer", "nettyPooled"})
    public String path;

    private byte[][] batches;
    private int[][] lengths;
    private int pageSize;
    private long sampleBytes;
    private Path file;
    private FileChannel channel;
    private ByteBuffer writerBuffer;
    private PooledByteBufAllocator allocator;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        PageSample s = PageSample.load(PageSample.defaultDump(), PageSample.DEFAULT_PAGES, PageSample.DEFAULT_SEED,
                PageSample.DEFAULT_LEVEL);
        pageSize = s.pageSize();
        byte[] sample = s.bytes();
        sampleBytes = sample.length;
        int pages = sample.length / pageSize;
        batches = new byte[(pages + BATCH_PAGES - 1) / BATCH_PAGES][];
        lengths = new int[batches.length][];
        try (PageCompressor lzo = new PageCompressor(Compression.LZO, pageSize)) {
            for (int b = 0; b < batches.length; b++) {
                int n = Math.min(BATCH_PAGES, pages - b * BATCH_PAGES);
                batches[b] = new byte[n * pageSize];
                lengths[b] = new int[n];
                for (int i = 0; i < n; i++) {
                    int at = (b * BATCH_PAGES + i) * pageSize;
                    int len = lzo.compress(sample, at, batches[b], i * pageSize);
                    if (len < 0) { // stored raw, as the writer stores it
                        System.arraycopy(sample, at, batches[b], i * pageSize, pageSize);
                        len = pageSize;
                    }
                    lengths[b][i] = len;
                }
            }
        }
        file = Files.createTempFile("vmcore4j-write-path", ".bin");
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        writerBuffer = ByteBuffer.allocateDirect(WRITER_BUFFER);
        allocator = PooledByteBufAllocator.DEFAULT;
    }

    @Setup(Level.Iteration)
    public void truncate() throws IOException {
        channel.truncate(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long write(CodecBenchmark.Bytes counter) throws IOException {
        long written = "writer".equals(path) ? writeLikeKdumpWriter() : writeWithNetty();
        counter.bytes += sampleBytes;
        return written;
    }

    private long writeLikeKdumpWriter() throws IOException {
        long pos = 0;
        ByteBuffer buf = writerBuffer;
        buf.clear();
        for (int b = 0; b < batches.length; b++) {
            for (int i = 0; i < lengths[b].length; i++) {
                int len = lengths[b][i];
                if (buf.remaining() < len) {
                    buf.flip();
                    pos += writeFully(buf, pos);
                    buf.clear();
                }
                buf.put(batches[b], i * pageSize, len);
            }
        }
        buf.flip();
        pos += writeFully(buf, pos);
        return pos;
    }

    private long writeWithNetty() throws IOException {
        long pos = 0;
        CompositeByteBuf pending = allocator.compositeDirectBuffer(64);
        try {
            for (int b = 0; b < batches.length; b++) {
                ByteBuf batch = allocator.directBuffer(BATCH_PAGES * pageSize);
                for (int i = 0; i < lengths[b].length; i++) {
                    batch.writeBytes(batches[b], i * pageSize, lengths[b][i]);
                }
                pending.addComponent(true, batch);
                if (pending.readableBytes() >= WRITER_BUFFER) {
                    pos += gather(pending, pos);
                    pending.release();
                    pending = allocator.compositeDirectBuffer(64);
                }
            }
            pos += gather(pending, pos);
        } finally {
            pending.release();
        }
        return pos;
    }

    /** One gathering write of every component (FileChannel's gathering write is at its position). */
    private long gather(CompositeByteBuf buf, long pos) throws IOException {
        ByteBuffer[] parts = buf.nioBuffers();
        channel.position(pos);
        long n = 0;
        long want = buf.readableBytes();
        while (n < want) {
            n += channel.write(parts);
        }
        return n;
    }

    private long writeFully(ByteBuffer buf, long pos) throws IOException {
        long n = 0;
        while (buf.hasRemaining()) {
            n += channel.write(buf, pos + n);
        }
        return n;
    }
}
