package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link PfnBitmap} against {@link BitSet}: range updates, search, counting and the byte image. */
class PfnBitmapProperties {

    @Property(tries = 10_000)
    void behavesLikeABitSet(@ForAll @IntRange(min = 0, max = 4096) int startBytes, @ForAll @IntRange(min = 1, max = 700) int len,
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 700) Integer> ops) {
        long start = 8L * startBytes;
        PfnBitmap b = new PfnBitmap(700);
        b.reset(start, start + len);
        BitSet ref = new BitSet();
        for (int i = 0; i + 2 < ops.size(); i += 3) {
            int a = Math.min(ops.get(i), len);
            int z = Math.min(Math.max(a, ops.get(i + 1)), len);
            switch (ops.get(i + 2) % 4) {
                case 0 -> {
                    b.setRange(start + a, start + z);
                    ref.set(a, z);
                }
                case 1 -> {
                    b.clearRange(start + a, start + z);
                    ref.clear(a, z);
                }
                case 2 -> {
                    if (a < len) {
                        b.set(start + a);
                        ref.set(a);
                    }
                }
                default -> {
                    if (a < len) {
                        b.clear(start + a);
                        ref.clear(a);
                    }
                }
            }
        }
        assertEquals(ref.cardinality(), b.cardinality());
        for (int i = -1; i <= len; i++) {
            assertEquals(i >= 0 && ref.get(i), b.get(start + i));
            int want = ref.nextSetBit(Math.max(i, 0));
            assertEquals(want < 0 || want >= len ? -1 : start + want, b.nextSetBit(start + i), "nextSetBit " + i);
        }
        assertEquals(ref.get(0, len / 2).cardinality(), b.cardinality(start, start + len / 2));
        for (int i = 0; i + 1 < ops.size(); i += 2) { // arbitrary sub-ranges, some reaching outside the bitmap
            int from = ops.get(i) - 5;
            int to = ops.get(i + 1) + 3;
            int lo = Math.max(0, Math.min(from, len));
            int hi = Math.max(lo, Math.min(to, len));
            assertEquals(ref.get(lo, hi).cardinality(), b.cardinality(start + from, start + to),
                    "cardinality(" + from + ", " + to + ")");
        }
        byte[] bytes = new byte[b.byteLength()];
        b.copyBytes(bytes, 0);
        assertEquals((len + 7) / 8, bytes.length);
        byte[] want = ref.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(i < want.length ? want[i] : 0, bytes[i], "byte " + i);
        }
        // a reset clears only what the new range uses, and the new range reads clear
        b.reset(start, start + len);
        assertEquals(0, b.cardinality());
    }
}
