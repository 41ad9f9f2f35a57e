package org.vmcore4j.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * The contract of {@link RandomAccessSource}, as Lucene's {@code BaseDirectoryTestCase} states a
 * Directory's: every implementation has a test class that extends this one and says how to open a
 * source over given bytes; the tests here then hold for each alike. Reads at every edge (0, window and
 * chunk boundaries, the last byte) and at random, through every read method and both byte orders;
 * reads past the end, at negative or overflowing positions and with hostile lengths fail with
 * {@link VmcoreFormatException} naming the source before anything is allocated or read; array bounds
 * are checked; many threads read at once; {@link RandomAccessSource#close() close} may be called twice,
 * and a source that holds a file refuses reads after it.
 *
 * <p>Only public API, so the suite stays valid whatever package an implementation lives in. Sizes
 * include an empty source and sizes just around 4 KiB, the smallest window and chunk a subclass can
 * ask for, so that reads cross them.
 */
public abstract class RandomAccessSourceConformance {
    @TempDir
    protected Path dir;

    /** A source over exactly {@code content} (written to a file under {@code dir} where the source reads files). */
    protected abstract RandomAccessSource open(byte[] content, Path dir) throws IOException;

    /** Whether the source holds a file or mapping, so that reads after {@code close()} must fail. */
    protected boolean holdsResources() {
        return true;
    }

    static IntStream sizes() {
        return IntStream.of(0, 1, 4095, 4096, 4097, 3 * 4096 + 123, (64 << 10) + 5);
    }

    static IntStream nonEmptySizes() {
        return sizes().filter(n -> n > 0);
    }

    /** Deterministic content that differs at every offset of a page and from page to page. */
    protected static byte[] content(int size) {
        byte[] b = new byte[size];
        new Random(size * 31L + 7).nextBytes(b);
        return b;
    }

    private RandomAccessSource openOver(byte[] content) throws IOException {
        RandomAccessSource s = open(content, dir);
        assertEquals(content.length, s.size(), "size of " + s.description());
        assertTrue(s.description() != null && !s.description().isBlank(), "a description for error messages");
        return s;
    }

    private static void assertReads(RandomAccessSource s, byte[] content, long pos, int len) throws IOException {
        byte[] got = new byte[len + 2];
        got[0] = 0x5a;
        got[len + 1] = (byte) 0xa5;
        s.read(pos, got, 1, len);
        byte[] expected = new byte[len + 2];
        expected[0] = 0x5a;
        expected[len + 1] = (byte) 0xa5;
        System.arraycopy(content, (int) pos, expected, 1, len);
        assertArrayEquals(expected, got, () -> s.description() + ": read(" + pos + ", " + len + ")");
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sizes")
    void readsAtEveryEdge(int size) throws IOException {
        byte[] content = content(size);
        try (RandomAccessSource s = openOver(content)) {
            List<Long> positions = new ArrayList<>();
            for (long edge : new long[] {0, 4096, 8192, 12288, 65536}) {
                for (long d = -2; d <= 2; d++) {
                    if (edge + d >= 0 && edge + d <= size) {
                        positions.add(edge + d);
                    }
                }
            }
            positions.add((long) size);
            positions.add(Math.max(0L, size - 1L));
            for (long pos : positions) {
                for (int len : new int[] {0, 1, 2, 7, 8, 4095, 4096, 4097, 8193}) {
                    if (pos + len <= size) {
                        assertReads(s, content, pos, len);
                    }
                }
                assertReads(s, content, pos, (int) (size - pos)); // to the very end
            }
            assertReads(s, content, 0, size); // everything at once
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("nonEmptySizes")
    void everyReadMethodAgreesWithTheBytes(int size) throws IOException {
        byte[] content = content(size);
        ByteBuffer le = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer be = ByteBuffer.wrap(content).order(ByteOrder.BIG_ENDIAN);
        Random r = new Random(size);
        try (RandomAccessSource s = openOver(content)) {
            for (int i = 0; i < 1000; i++) {
                int pos = r.nextInt(size);
                int len = r.nextInt(Math.min(size - pos, 9000) + 1);
                assertReads(s, content, pos, len);
                assertEquals(content[pos], s.readByte(pos));
                assertArrayEquals(java.util.Arrays.copyOfRange(content, pos, pos + len), s.readBytes(pos, len));
                ByteBuffer heap = ByteBuffer.allocate(len);
                s.read(pos, heap);
                assertFalse(heap.hasRemaining(), "read(pos, ByteBuffer) fills the buffer");
                assertEquals(ByteBuffer.wrap(content, pos, len), heap.flip());
                ByteBuffer direct = ByteBuffer.allocateDirect(len);
                s.read(pos, direct);
                assertEquals(ByteBuffer.wrap(content, pos, len), direct.flip());
                if (pos + 8 <= size) {
                    assertEquals(le.getShort(pos), s.readShort(pos, ByteOrder.LITTLE_ENDIAN));
                    assertEquals(be.getShort(pos), s.readShort(pos, ByteOrder.BIG_ENDIAN));
                    assertEquals(le.getInt(pos), s.readInt(pos, ByteOrder.LITTLE_ENDIAN));
                    assertEquals(be.getInt(pos), s.readInt(pos, ByteOrder.BIG_ENDIAN));
                    assertEquals(le.getLong(pos), s.readLong(pos, ByteOrder.LITTLE_ENDIAN));
                    assertEquals(be.getLong(pos), s.readLong(pos, ByteOrder.BIG_ENDIAN));
                }
            }
        }
    }

    private static void assertRefused(RandomAccessSource s, String what, ThrowingRead read) {
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, read::run, what);
        assertTrue(e.getMessage().contains(s.description()), () -> what + ": the message names the source: " + e.getMessage());
    }

    @FunctionalInterface
    private interface ThrowingRead {
        void run() throws IOException;
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sizes")
    void readsPastTheEndAndHostileLengthsAreRefused(int size) throws IOException {
        byte[] content = content(size);
        try (RandomAccessSource s = openOver(content)) {
            byte[] one = new byte[1];
            byte[] two = new byte[2];
            assertRefused(s, "a byte at the end", () -> s.read(size, one, 0, 1));
            if (size > 0) {
                assertRefused(s, "two bytes across the end", () -> s.read(size - 1, two, 0, 2));
                assertRefused(s, "one byte more than the source", () -> s.read(0, new byte[size + 1], 0, size + 1));
            }
            assertRefused(s, "a negative position", () -> s.read(-1, one, 0, 1));
            assertRefused(s, "Long.MIN_VALUE", () -> s.read(Long.MIN_VALUE, one, 0, 1));
            assertRefused(s, "a position whose end overflows", () -> s.read(Long.MAX_VALUE, two, 0, 2));
            assertRefused(s, "a long at the end", () -> s.readLong(Math.max(0, size - 4), ByteOrder.LITTLE_ENDIAN));
            assertRefused(s, "a ByteBuffer past the end", () -> s.read(size, ByteBuffer.allocate(1)));
            // a length from a hostile header: refused before the array is allocated
            assertRefused(s, "readBytes of 2 GiB", () -> s.readBytes(0, Integer.MAX_VALUE));
            assertRefused(s, "readBytes at the end", () -> s.readBytes(size, 1));
            assertRefused(s, "checkRange with a negative length", () -> s.checkRange(0, -1));
            s.checkRange(0, size);
            s.checkRange(size, 0);
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("nonEmptySizes")
    void arrayBoundsAreChecked(int size) throws IOException {
        try (RandomAccessSource s = openOver(content(size))) {
            byte[] dst = new byte[8];
            byte[] untouched = dst.clone();
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(0, dst, -1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(0, dst, 0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(0, dst, 8, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(0, dst, 4, Integer.MAX_VALUE));
            assertArrayEquals(untouched, dst, "a refused read writes nothing");
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("nonEmptySizes")
    void manyThreadsReadAtOnce(int size) throws Exception {
        byte[] content = content(size);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (RandomAccessSource s = openOver(content)) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int reads = 0;
                    for (int i = 0; i < 400; i++) {
                        // pages in turn (a stream, which moves a window) between short reads at random
                        int pos;
                        int len;
                        if (i % 2 == 0) {
                            pos = (int) ((i * 4096L) % size);
                            len = Math.min(4096, size - pos);
                        } else {
                            pos = r.nextInt(size);
                            len = r.nextInt(Math.min(size - pos, 64) + 1);
                        }
                        assertReads(s, content, pos, len);
                        reads++;
                    }
                    return reads;
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(400, f.get(2, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("nonEmptySizes")
    void closeTwiceAndReadAfterClose(int size) throws IOException {
        byte[] content = content(size);
        RandomAccessSource s = openOver(content);
        assertReads(s, content, 0, size);
        s.close();
        s.close();
        byte[] dst = new byte[size];
        if (holdsResources()) {
            Exception e = assertThrows(Exception.class, () -> s.read(0, dst, 0, size));
            assertTrue(e instanceof IOException || e instanceof IllegalStateException,
                    () -> "a closed source refuses reads with an IOException or IllegalStateException, not " + e);
        } else {
            s.read(0, dst, 0, size);
            assertArrayEquals(content, dst, "a source without resources may still read, but only the right bytes");
        }
    }

    /** Readers racing a close end with the right bytes or a clean refusal; never wrong bytes or a crash. */
    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("nonEmptySizes")
    void readersRacingCloseEndCleanly(int size) throws Exception {
        byte[] content = content(size);
        RandomAccessSource s = openOver(content);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = 100 + t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    while (!stop.get()) {
                        int pos = r.nextInt(size);
                        int len = Math.min(4096, size - pos);
                        try {
                            assertReads(s, content, pos, len);
                        } catch (IOException | IllegalStateException refused) {
                            return null; // closed under us: refused cleanly
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(20);
            s.close();
            Thread.sleep(20);
            stop.set(true);
            for (Future<?> f : readers) {
                try {
                    f.get(1, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    fail("a reader racing close() failed otherwise than by a refusal", e.getCause());
                }
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
            s.close();
        }
    }
}
