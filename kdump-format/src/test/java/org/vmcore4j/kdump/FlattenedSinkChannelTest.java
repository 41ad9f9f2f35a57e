package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.OutputLimitException;

/**
 * {@link FlattenedSink} over a channel (how the command line writes -F to standard output) puts out
 * the same stream as over an OutputStream, from heap and direct buffers, through a gathering
 * channel (a file) and a plain one, and stops at the -L limit at the same byte.
 */
class FlattenedSinkChannelTest {
    /** Records of every kind a writer makes: a heap header block, direct data, an empty write. */
    private static void writeRecords(FlattenedSink sink) throws IOException {
        Random r = new Random(7);
        byte[] heap = new byte[4096];
        r.nextBytes(heap);
        sink.write(0, ByteBuffer.wrap(heap));
        ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
        byte[] fill = new byte[direct.capacity()];
        r.nextBytes(fill);
        direct.put(fill).flip();
        sink.write(8192, direct.slice().limit(300_000));
        sink.write(8192 + 300_000, direct.slice().position(300_000));
        sink.write(99, ByteBuffer.allocate(0));
        sink.write(4096, ByteBuffer.wrap(heap, 100, 17));
        sink.finish();
    }

    private static byte[] throughStream(long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FlattenedSink sink = new FlattenedSink(out, "stream", limit)) {
            writeRecords(sink);
        }
        return out.toByteArray();
    }

    @Test
    void channelStreamEqualsOutputStream(@TempDir Path dir) throws IOException {
        byte[] expected = throughStream(Long.MAX_VALUE);
        Path file = dir.resolve("flat");
        try (FlattenedSink sink = new FlattenedSink(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), "file", Long.MAX_VALUE)) {
            writeRecords(sink);
            assertEquals(expected.length, sink.streamBytes());
        }
        assertArrayEquals(expected, Files.readAllBytes(file));

        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (FlattenedSink sink = new FlattenedSink(Channels.newChannel(plain), "plain", Long.MAX_VALUE)) {
            writeRecords(sink);
        }
        assertArrayEquals(expected, plain.toByteArray());
    }

    @Test
    void limitStopsAtTheSameByte(@TempDir Path dir) throws IOException {
        for (long limit : new long[] {100, 4096 + 10, 4096 + 16 + 4096 + 16 + 1000, 700_000}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (FlattenedSink sink = new FlattenedSink(out, "stream", limit)) {
                assertThrows(OutputLimitException.class, () -> writeRecords(sink));
            }
            Path file = dir.resolve("flat-" + limit);
            try (FlattenedSink sink = new FlattenedSink(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), "file", limit)) {
                assertThrows(OutputLimitException.class, () -> writeRecords(sink));
                assertEquals(limit, sink.streamBytes());
            }
            assertEquals(limit, out.size(), "limit " + limit);
            assertArrayEquals(out.toByteArray(), Files.readAllBytes(file), "limit " + limit);
        }
    }
}
