package org.vmcore4j.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.internal.MappedFileSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Conformance of core's {@link MappedFileSource} at window boundaries (Lucene's chunked-directory
 * idea): the same file mapped with windows of 2 bytes to 64 KiB must read exactly like an in-memory
 * {@link ByteArraySource}, for every position and for lengths that end just before, on and just
 * after window edges. Lives in the ELF module because it needs a real file.
 */
class MappedFileSourceChunkTest {
    /** Prime, so the last window is always partial; small enough that 2-byte windows stay few thousand mappings. */
    private static final int SIZE = 9_973;

    @TempDir
    static Path dir;

    static byte[] content;
    static Path file;

    static synchronized Path file() throws IOException {
        if (file == null) {
            content = new byte[SIZE];
            new Random(42).nextBytes(content);
            file = dir.resolve("chunks.bin");
            Files.write(file, content);
        }
        return file;
    }

    @ParameterizedTest(name = "2^{0}-byte windows")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void everyReadAgreesWithAByteArray(int chunkPower) throws IOException {
        Path f = file();
        ByteArraySource ref = new ByteArraySource(content, "ref");
        MappedFileSource m = MappedFileSource.map(f, chunkPower);
        try {
            assertEquals(SIZE, m.size());
            int chunk = 1 << chunkPower;
            int[] lengths = {0, 1, 2, 3, 7, 8, 9, chunk - 1, chunk, chunk + 1, 2 * chunk + 3, 4099};
            long reads = 0;
            for (int pos = 0; pos <= SIZE; pos++) {
                for (int len : lengths) {
                    if (len > SIZE - pos) {
                        continue;
                    }
                    byte[] want = new byte[len + 2];
                    byte[] got = new byte[len + 2];
                    ref.read(pos, want, 1, len);
                    m.read(pos, got, 1, len);
                    assertArrayEquals(want, got, "read(" + pos + ", " + len + ")");
                    reads++;
                }
                for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                    if (pos + 8 <= SIZE) {
                        assertEquals(ref.readLong(pos, order), m.readLong(pos, order), "readLong " + pos);
                    }
                    if (pos + 4 <= SIZE) {
                        assertEquals(ref.readInt(pos, order), m.readInt(pos, order), "readInt " + pos);
                    }
                    if (pos + 2 <= SIZE) {
                        assertEquals(ref.readShort(pos, order), m.readShort(pos, order), "readShort " + pos);
                    }
                }
                if (pos < SIZE) {
                    assertEquals(ref.readByte(pos), m.readByte(pos));
                }
            }
            assertEquals(true, reads > SIZE * 5L);
        } finally {
            m.close();
        }
    }

    @ParameterizedTest(name = "2^{0}-byte windows")
    @ValueSource(ints = {1, 3, 7, 12, 16})
    void byteBufferReadsAndViewsAgree(int chunkPower) throws IOException {
        Path f = file();
        MappedFileSource m = MappedFileSource.map(f, chunkPower);
        try {
            Random r = new Random(chunkPower);
            for (int i = 0; i < 3000; i++) {
                int pos = r.nextInt(SIZE + 1);
                int len = r.nextInt(Math.min(SIZE - pos, 3 << chunkPower) + 1);
                byte[] want = java.util.Arrays.copyOfRange(content, pos, pos + len);
                for (ByteBuffer dst : new ByteBuffer[] {ByteBuffer.allocate(len + 5), ByteBuffer.allocateDirect(len + 5)}) {
                    dst.position(3);
                    dst.limit(3 + len);
                    m.read(pos, dst);
                    assertEquals(3 + len, dst.position(), "read advances the destination");
                    byte[] got = new byte[len];
                    dst.get(3, got);
                    assertArrayEquals(want, got, "ByteBuffer read(" + pos + ", " + len + ")");
                }
                ByteBuffer view = m.view(pos, len);
                assertEquals(len, view.remaining());
                byte[] got = new byte[len];
                view.get(got);
                assertArrayEquals(want, got, "view(" + pos + ", " + len + ")");
            }
        } finally {
            m.close();
        }
    }

    @ParameterizedTest(name = "2^{0}-byte windows")
    @ValueSource(ints = {1, 5, 16})
    void readsPastTheEndThrowLikeTheByteArraySource(int chunkPower) throws IOException {
        MappedFileSource m = MappedFileSource.map(file(), chunkPower);
        RandomAccessSource ref = new ByteArraySource(content, file().toString());
        try {
            for (RandomAccessSource s : new RandomAccessSource[] {m, ref}) {
                long[][] bad = {{SIZE, 1}, {SIZE - 3, 4}, {-1, 1}, {Long.MAX_VALUE, 1}, {0, SIZE + 1}};
                for (long[] b : bad) {
                    VmcoreFormatException e = assertThrows(VmcoreFormatException.class,
                            () -> s.read(b[0], new byte[(int) b[1]], 0, (int) b[1]));
                    assertEquals(b[0], e.offset());
                }
                assertThrows(VmcoreFormatException.class, () -> s.readLong(SIZE - 7, ByteOrder.LITTLE_ENDIAN));
                assertThrows(VmcoreFormatException.class, () -> s.readInt(SIZE - 3, ByteOrder.BIG_ENDIAN));
                assertThrows(VmcoreFormatException.class, () -> s.readShort(SIZE - 1, ByteOrder.BIG_ENDIAN));
                assertThrows(VmcoreFormatException.class, () -> s.readByte(SIZE));
            }
        } finally {
            m.close();
        }
    }

    @Test
    void anEmptyFileMapsAndRefusesReads(@TempDir Path d) throws IOException {
        Path empty = d.resolve("empty");
        Files.write(empty, new byte[0]);
        MappedFileSource m = MappedFileSource.map(empty, 4);
        assertEquals(0, m.size());
        m.read(0, new byte[0], 0, 0);
        assertThrows(VmcoreFormatException.class, () -> m.readByte(0));
        m.close();
    }
}
