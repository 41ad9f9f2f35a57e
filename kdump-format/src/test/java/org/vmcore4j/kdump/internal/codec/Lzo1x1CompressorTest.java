package org.vmcore4j.kdump.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.airlift.compress.lzo.LzoDecompressor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Lzo1x1Compressor} against liblzo2's {@code lzo1x_1_compress} (through {@link LiblzoHelper}),
 * byte for byte: every length from 0 to 4096 and beyond the 49152-byte chunks liblzo2 cuts its
 * input into, in several kinds of content. The real pages are in
 * {@code org.vmcore4j.kdump.LzoEncoderCorpusTest}.
 */
class Lzo1x1CompressorTest {

    /** Every length 0..4096 as all-zero, random and mixed content (literals, runs, near and far copies). */
    @Test
    void everyLengthUpToAPageEqualsLiblzo2() throws Exception {
        Random r = new Random(4096);
        List<byte[]> inputs = new ArrayList<>();
        for (int len = 0; len <= 4096; len++) {
            inputs.add(new byte[len]);
            inputs.add(random(r, len));
            inputs.add(mixture(r, len));
        }
        assertSameAsLiblzo2("lengths 0..4096", inputs);
    }

    /** The special paths: inputs of up to 31 bytes are all literals (one chunk needs 32), and the tail. */
    @Test
    void shortInputsEqualLiblzo2() throws Exception {
        Random r = new Random(20);
        List<byte[]> inputs = new ArrayList<>();
        for (int len = 0; len <= 300; len++) {
            for (int period = 1; period <= 5; period++) {
                inputs.add(periodic(len, period));
            }
            inputs.add(text(len));
            for (int i = 0; i < 4; i++) {
                inputs.add(mixture(r, len));
            }
        }
        assertSameAsLiblzo2("short inputs", inputs);
    }

    /** The cases of {@link LzoInteropTest#synthetic}: runs of every period, sparse pages, copies of every kind. */
    @Test
    void interopPagesEqualLiblzo2() throws Exception {
        List<byte[]> inputs = new ArrayList<>(LzoInteropTest.synthetic(4096, 400, 1));
        inputs.addAll(LzoInteropTest.synthetic(16384, 60, 2));
        inputs.addAll(LzoInteropTest.synthetic(65536, 20, 3));
        assertSameAsLiblzo2("interop pages", inputs);
    }

    /**
     * Inputs around and beyond the 49152-byte chunk: literals carried from one chunk into the next,
     * a last chunk too short to compress (20 bytes or fewer, or fewer than 32 with the carried
     * literals), matches capped at a chunk's end, and 1 MiB.
     */
    @Test
    void multiChunkInputsEqualLiblzo2() throws Exception {
        Random r = new Random(49152);
        int chunk = Lzo1x1Compressor.CHUNK_SIZE;
        int[] lengths = {chunk - 1, chunk, chunk + 1, chunk + 11, chunk + 20, chunk + 21, chunk + 31, chunk + 32,
            chunk + 33, chunk + 100, 65536, 2 * chunk, 2 * chunk + 21, 2 * chunk + 4096, 200_000, 1 << 20};
        List<byte[]> inputs = new ArrayList<>();
        for (int len : lengths) {
            inputs.add(new byte[len]);
            inputs.add(random(r, len));
            inputs.add(mixture(r, len));
            inputs.add(text(len));
            inputs.add(periodic(len, 3));
            // mostly random, but with long matches that end near the chunk boundary
            byte[] b = random(r, len);
            for (int at = Math.max(0, chunk - 300); at + 200 < len && at < chunk + 64; at += 37) {
                System.arraycopy(b, at - 150 < 0 ? 0 : at - 150, b, at, 64);
            }
            inputs.add(b);
        }
        for (int i = 0; i < 20; i++) {
            inputs.add(mixture(r, chunk + r.nextInt(3 * chunk)));
        }
        assertSameAsLiblzo2("multi-chunk inputs", inputs);
    }

    /** Writes nothing past its capacity and says -1 exactly when the stream does not fit. */
    @Test
    void failsExactlyWhenTheOutputDoesNotFit() {
        Random r = new Random(7);
        Lzo1x1Compressor c = new Lzo1x1Compressor();
        for (int i = 0; i < 300; i++) {
            int len = r.nextInt(3) == 0 ? r.nextInt(64) : r.nextInt(9000);
            byte[] in = i % 2 == 0 ? random(r, len) : mixture(r, len);
            byte[] full = new byte[Lzo1x1Compressor.maxCompressedLength(len)];
            int n = c.compress(in, 0, len, full, 0, full.length);
            assertTrue(n >= 3 && n <= full.length, "length " + n);
            for (int cap : new int[] {0, 1, n - 3, n - 2, n - 1, n, n + 1}) {
                if (cap < 0) {
                    continue;
                }
                byte[] dst = new byte[cap + 16];
                Arrays.fill(dst, (byte) 0x5a);
                int m = c.compress(in, 0, len, dst, 8, cap);
                if (cap < n) {
                    assertEquals(-1, m, "capacity " + cap + " < " + n);
                } else {
                    assertEquals(n, m);
                    assertArrayEquals(Arrays.copyOf(full, n), Arrays.copyOfRange(dst, 8, 8 + n));
                }
                for (int k = 0; k < 8; k++) {
                    assertEquals((byte) 0x5a, dst[k], "byte before the output written");
                    assertEquals((byte) 0x5a, dst[8 + cap + k], "byte past the capacity written");
                }
            }
        }
    }

    /** Compresses each input with ours and with liblzo2, requires equal bytes, and decodes ours. */
    static void assertSameAsLiblzo2(String name, List<byte[]> inputs) throws Exception {
        List<byte[]> theirs = LiblzoHelper.compressEach(inputs);
        Lzo1x1Compressor ours = new Lzo1x1Compressor();
        LzoDecompressor decoder = new LzoDecompressor();
        int equal = 0;
        long bytes = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            byte[] in = inputs.get(i);
            byte[] out = new byte[Lzo1x1Compressor.maxCompressedLength(in.length)];
            int n = ours.compress(in, 0, in.length, out, 0, out.length);
            byte[] mine = Arrays.copyOf(out, n);
            if (Arrays.equals(mine, theirs.get(i))) {
                equal++;
            } else if (failures.size() < 5) {
                failures.add(describe(i, in, mine, theirs.get(i)));
            }
            // aircompressor rejects the empty stream (11 00 00) that liblzo2 writes for 0 bytes and
            // lzo1x_decompress_safe accepts; pages are never empty
            if (in.length > 0) {
                byte[] back = new byte[in.length];
                int m = decoder.decompress(mine, 0, n, back, 0, back.length);
                if (m != in.length || !Arrays.equals(back, in)) {
                    fail(name + " input " + i + " (" + in.length + " bytes) does not decode back");
                }
            }
            bytes += in.length;
        }
        System.out.printf(Locale.ROOT, "LZO1X-1 %s: %,d inputs (%,d bytes), %,d byte-identical to lzo1x_1_compress%n", name,
                inputs.size(), bytes, equal);
        assertEquals(inputs.size(), equal, name + ":\n" + String.join("\n", failures));
    }

    static String describe(int index, byte[] in, byte[] ours, byte[] theirs) {
        int at = Arrays.mismatch(ours, theirs);
        int from = Math.max(0, at - 16);
        HexFormat hex = HexFormat.of();
        return String.format(Locale.ROOT, "input %d (%d bytes): ours %d bytes, liblzo2 %d, first difference at %d:%n  ours   %s%n"
                + "  theirs %s", index, in.length, ours.length, theirs.length, at,
                hex.formatHex(ours, Math.min(from, ours.length), Math.min(at + 16, ours.length)),
                hex.formatHex(theirs, Math.min(from, theirs.length), Math.min(at + 16, theirs.length)));
    }

    static byte[] random(Random r, int len) {
        byte[] b = new byte[len];
        r.nextBytes(b);
        return b;
    }

    static byte[] periodic(int len, int period) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i % period * 37 + 1);
        }
        return b;
    }

    static byte[] text(int len) {
        byte[] word = "struct page { unsigned long flags; } *pages[] = ".getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = word[(i * 7 / 5) % word.length];
        }
        return b;
    }

    /** Literals of low and high entropy, runs, and copies from near (M2) and anywhere before (M3, M4). */
    static byte[] mixture(Random r, int len) {
        byte[] p = new byte[len];
        int at = 0;
        while (at < len) {
            int kind = r.nextInt(4);
            int n = Math.min(len - at, 1 + (r.nextInt(8) == 0 ? r.nextInt(600) : r.nextInt(24)));
            switch (kind) {
                case 0 -> {
                    for (int i = 0; i < n; i++) {
                        p[at + i] = (byte) (r.nextBoolean() ? r.nextInt() : 'a' + r.nextInt(4));
                    }
                }
                case 1 -> Arrays.fill(p, at, at + n, (byte) r.nextInt(3));
                default -> {
                    if (at == 0) {
                        p[0] = (byte) r.nextInt();
                        n = 1;
                    } else {
                        int dist = 1 + (kind == 2 ? r.nextInt(Math.min(at, 2048)) : r.nextInt(at));
                        for (int i = 0; i < n; i++) {
                            p[at + i] = p[at + i - dist];
                        }
                    }
                }
            }
            at += n;
        }
        return p;
    }
}
