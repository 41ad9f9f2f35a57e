package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.internal.WindowedFileSource;

/**
 * {@link WindowedFileSource}, the collector's input: reads equal the file's bytes at and across
 * window edges, from many threads at once, and the process never holds more than one window per
 * thread mapped (checked in /proc/self/maps, which is what the resident set is made of).
 */
class WindowedFileSourceTest {
    private static final int WINDOW_POWER = 12;
    private static final int WINDOW = 1 << WINDOW_POWER;

    @TempDir
    Path dir;

    private byte[] write(Path file, int size, long seed) throws IOException {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Files.write(file, content);
        return content;
    }

    @Test
    void readsAtAndAcrossWindowEdgesEqualTheFile() throws IOException {
        Path file = dir.resolve("edges.bin");
        int size = 3 * WINDOW + 1237; // the last window is partial
        byte[] content = write(file, size, 1);
        ByteArraySource ref = new ByteArraySource(content, "ref");
        try (RandomAccessSource s = WindowedFileSource.open(file, WINDOW_POWER)) {
            assertInstanceOf(WindowedFileSource.class, s);
            assertEquals(size, s.size());
            int[] lengths = {0, 1, 7, 8, 9, WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW + 5};
            long reads = 0;
            for (int edge = 0; edge <= size; edge += WINDOW) {
                for (int pos = Math.max(0, edge - 9); pos <= Math.min(size, edge + 9); pos++) {
                    for (int len : lengths) {
                        if (len > size - pos) {
                            continue;
                        }
                        byte[] want = new byte[len + 2];
                        byte[] got = new byte[len + 2];
                        ref.read(pos, want, 1, len);
                        s.read(pos, got, 1, len);
                        assertArrayEquals(want, got, "read(" + pos + ", " + len + ")");
                        reads++;
                    }
                    if (pos + 8 <= size) {
                        assertEquals(ref.readLong(pos, ByteOrder.LITTLE_ENDIAN), s.readLong(pos, ByteOrder.LITTLE_ENDIAN));
                        assertEquals(ref.readInt(pos, ByteOrder.BIG_ENDIAN), s.readInt(pos, ByteOrder.BIG_ENDIAN));
                    }
                }
            }
            assertTrue(reads > 300, "reads: " + reads);
            // the whole file in one call, across every window
            byte[] all = new byte[size];
            s.read(0, all, 0, size);
            assertArrayEquals(content, all);
            assertThrows(VmcoreFormatException.class, () -> s.read(size - 3, new byte[4], 0, 4));
        }
    }

    @Test
    void concurrentReadersEachSeeTheFile() throws Exception {
        Path file = dir.resolve("threads.bin");
        int size = 40 * WINDOW + 11;
        byte[] content = write(file, size, 2);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (RandomAccessSource s = WindowedFileSource.open(file, WINDOW_POWER)) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 4000; i++) {
                        int pos = r.nextInt(size);
                        int len = r.nextInt(Math.min(size - pos, 3 * WINDOW) + 1);
                        byte[] got = new byte[len];
                        s.read(pos, got, 0, len);
                        for (int k = 0; k < len; k++) {
                            if (got[k] != content[pos + k]) {
                                throw new AssertionError("byte " + (pos + k) + " differs");
                            }
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(4000, f.get());
            }
            assertTrue(mappedBytesOf(file) <= 4L * WINDOW, "one window per reading thread at most");
            s.close();
            // arenas (Java 22+) are released from the closing thread; before, the other threads'
            // windows wait for the garbage collector
            long left = mappedBytesOf(file);
            if (Runtime.version().feature() >= 22) {
                assertEquals(0, left, "close() releases every thread's window");
            } else {
                assertTrue(left <= 4L * WINDOW, left + " bytes left mapped");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aThreadKeepsAtMostOneWindowMappedAndClosingReleasesIt() throws IOException {
        Path file = dir.resolve("resident.bin");
        int windowPower = 16;
        int size = 64 << windowPower; // 4 MiB: 64 windows
        byte[] content = write(file, size, 3);
        RandomAccessSource s = WindowedFileSource.open(file, windowPower);
        byte[] page = new byte[4096];
        for (int pos = 0; pos < size; pos += page.length) {
            s.read(pos, page, 0, page.length);
            assertEquals(content[pos + 17], page[17]);
            assertTrue(mappedBytesOf(file) <= 1L << windowPower,
                    "after reading to " + pos + ": " + mappedBytesOf(file) + " bytes of the file mapped");
        }
        assertEquals(1L << windowPower, mappedBytesOf(file));
        s.close();
        assertEquals(0, mappedBytesOf(file), "the closing thread's window is released");
        assertThrows(IllegalStateException.class, () -> s.read(0, page, 0, 1));
    }

    @Test
    void readsOffTheStreamLeaveTheWindowWhereItIs() throws IOException {
        Path file = dir.resolve("small.bin");
        int windowPower = 16;
        int size = 16 << windowPower;
        byte[] content = write(file, size, 4);
        String maps;
        try (RandomAccessSource s = WindowedFileSource.open(file, windowPower)) {
            byte[] page = new byte[4096];
            s.read(0, page, 0, page.length); // the stream: maps window 0
            maps = windowsOf(file);
            Random r = new Random(5);
            for (int i = 0; i < 1000; i++) { // pointer chasing all over the file
                int pos = r.nextInt(size - 64);
                byte[] word = new byte[1 + r.nextInt(64)];
                s.read(pos, word, 0, word.length);
                assertArrayEquals(java.util.Arrays.copyOfRange(content, pos, pos + word.length), word);
            }
            assertEquals(maps, windowsOf(file), "the small reads did not move the window");
            for (int i = 0; i < 200; i++) { // whole pages at random, far from the window
                int pos = (2 + r.nextInt(14)) << windowPower;
                s.read(pos, page, 0, page.length);
                assertEquals(content[pos + 7], page[7]);
            }
            assertEquals(maps, windowsOf(file), "pages read at random did not move the window");
            s.read(1 << windowPower, page, 0, page.length); // the next page of the stream: next window
            assertEquals(content[(1 << windowPower) + 5], page[5]);
            String next = windowsOf(file);
            assertTrue(!maps.equals(next), "a page in the next window moves the window");
            byte[] run = new byte[2 * 4096];
            s.read(8 << windowPower, run, 0, run.length); // a run of pages anywhere moves it too
            assertEquals(content[(8 << windowPower) + 4096 + 3], run[4096 + 3]);
            assertTrue(!next.equals(windowsOf(file)));
            assertEquals(1L << windowPower, mappedBytesOf(file));
        }
    }

    @Test
    void whatCannotBeMappedIsReadWithPread() throws IOException {
        // /proc files report size 0 and refuse mmap: positional reads instead
        try (RandomAccessSource s = WindowedFileSource.open(Path.of("/proc/self/stat"), WINDOW_POWER)) {
            assertInstanceOf(ChannelSource.class, s);
        }
        assertThrows(IllegalArgumentException.class, () -> WindowedFileSource.open(Path.of("/dev/null"), 11));
        assertTrue(WindowedFileSource.canUnmap(), "this JDK exposes sun.misc.Unsafe.invokeCleaner");
    }

    /** The lines of /proc/self/maps that map {@code file}. */
    private static String windowsOf(Path file) throws IOException {
        String name = " " + file.toRealPath();
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.endsWith(name)) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /** Bytes of {@code file} mapped into this process, from /proc/self/maps. */
    private static long mappedBytesOf(Path file) throws IOException {
        String name = file.toRealPath().toString();
        long total = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.endsWith(" " + name)) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                total += Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
            }
        }
        return total;
    }
}
