package org.vmcore4j.kdump.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.lzo.LzoDecompressor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.vmcore4j.testdata.Corpus;

/**
 * {@link Lzo1x1Compressor} on generated inputs: the same bytes as liblzo2's {@code lzo1x_1_compress},
 * decodable by both aircompressor's decoder and {@code lzo1x_decompress_safe}; and its capacity
 * contract for any capacity.
 */
class Lzo1x1CompressorProperties {

    /** Skips the liblzo2 comparisons where the helper cannot be built (fails instead under VMCORE4J_REQUIRE_CORPUS=1). */
    static final class NeedsLiblzo2 implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return LiblzoHelper.problem().filter(p -> !Corpus.required()).map(SkipResult::skip)
                    .orElse(SkipResult.doNotSkip());
        }
    }

    /** Random bytes, bytes from a small alphabet, and seeded mixtures up to a few 49152-byte chunks long. */
    @Provide
    Arbitrary<byte[]> inputs() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(9000);
        Arbitrary<byte[]> smallAlphabet = Arbitraries.bytes().between((byte) 0, (byte) 2).array(byte[].class)
                .ofMaxSize(9000);
        Arbitrary<byte[]> mixed = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 8192))
                .as((seed, len) -> Lzo1x1CompressorTest.mixture(new Random(seed), len));
        Arbitrary<byte[]> large = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(40_000, 160_000))
                .as((seed, len) -> Lzo1x1CompressorTest.mixture(new Random(seed), len));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, random),
                net.jqwik.api.Tuple.of(3, smallAlphabet),
                net.jqwik.api.Tuple.of(4, mixed),
                net.jqwik.api.Tuple.of(1, large));
    }

    @Property(tries = 300)
    @AddLifecycleHook(NeedsLiblzo2.class)
    void equalsLiblzo2AndDecodesWithBothDecoders(@ForAll("inputs") byte[] input) throws Exception {
        byte[] out = new byte[Lzo1x1Compressor.maxCompressedLength(input.length)];
        int n = new Lzo1x1Compressor().compress(input, 0, input.length, out, 0, out.length);
        byte[] ours = Arrays.copyOf(out, n);
        byte[] theirs = LiblzoHelper.compressEach(List.of(input)).get(0);
        if (!Arrays.equals(ours, theirs)) {
            throw new AssertionError(Lzo1x1CompressorTest.describe(0, input, ours, theirs));
        }
        if (input.length > 0) { // aircompressor rejects the empty stream, which liblzo2 accepts
            byte[] back = new byte[input.length];
            assertEquals(input.length, new LzoDecompressor().decompress(ours, 0, n, back, 0, back.length));
            assertArrayEquals(input, back, "aircompressor's decoding");
        }
        ByteBuffer record = ByteBuffer.allocate(4 + n).order(ByteOrder.LITTLE_ENDIAN).putInt(n).put(ours);
        ByteBuffer decoded = ByteBuffer.wrap(LiblzoHelper.run("decompress", input.length, record.array()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, decoded.getInt(), "lzo1x_decompress_safe status");
        assertEquals(input.length, decoded.getInt(), "lzo1x_decompress_safe length");
        byte[] back = new byte[input.length];
        decoded.get(back);
        assertArrayEquals(input, back, "lzo1x_decompress_safe's decoding");
    }

    /** For any capacity: the whole stream if it fits, else -1, and never a byte outside the window. */
    @Property(tries = 500)
    void writesWithinItsCapacity(@ForAll("inputs") byte[] input, @ForAll("slack") int slack) {
        Lzo1x1Compressor c = new Lzo1x1Compressor();
        byte[] full = new byte[Lzo1x1Compressor.maxCompressedLength(input.length)];
        int n = c.compress(input, 0, input.length, full, 0, full.length);
        assertTrue(n >= 3 && n <= full.length);
        int capacity = Math.max(0, n + slack);
        byte[] dst = new byte[capacity + 2];
        dst[0] = 0x77;
        dst[capacity + 1] = 0x77;
        int m = c.compress(input, 0, input.length, dst, 1, capacity);
        if (capacity < n) {
            assertEquals(-1, m);
        } else {
            assertEquals(n, m);
            assertArrayEquals(Arrays.copyOf(full, n), Arrays.copyOfRange(dst, 1, 1 + n));
        }
        assertEquals(0x77, dst[0]);
        assertEquals(0x77, dst[capacity + 1]);
    }

    @Provide
    Arbitrary<Integer> slack() {
        return Arbitraries.oneOf(Arbitraries.integers().between(-4, 4), Arbitraries.integers().between(-5000, 100));
    }
}
