package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.BitSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The scan against the reference model of {@link SyntheticKernel}: every kernel generation, memory
 * model, dump level, zero-page handling and cycle size gives the bitmaps and counts that
 * makedumpfile 1.7.9's rules give when applied to the whole memory at once.
 */
class SyntheticScanTest {

    static void check(SyntheticKernel k, FakeDump d, int level, ZeroPageHandling zh, long cycleBytes)
            throws IOException {
        // the model is makedumpfile's cyclic mode; its one-pass mode is checked against makedumpfile
        // itself (SinglePassSyntheticTest)
        PageFilter f = PageFilter.forLevel(level).withZeroPages(zh).withCycleBufferBytes(cycleBytes)
                .withCycleMode(PageFilter.CycleMode.CYCLIC);
        Collected got = Collected.scan(f, d);
        SyntheticKernel.Expected want = k.expect(level, zh, d);
        String ctx = k + " level " + level + " " + zh + " cycle bytes " + cycleBytes;
        FilterReport r = got.report();
        assertEquals(want.maxMapnr(), r.totalPages(), "max_mapnr, " + ctx);
        assertEquals(want.memoryHole(), r.memoryHolePages(), "memory hole, " + ctx);
        assertEquals(want.ram(), got.ram(), "1st bitmap, " + ctx);
        assertBits(want.dumpable(), got.dumpable(), "2nd bitmap, " + ctx);
        assertEquals(want.zero(), got.zero(), "zero bitmap, " + ctx);
        long[] c = want.counts();
        assertEquals(c[0], r.zeroPages(), "zero, " + ctx);
        assertEquals(c[1], r.cachePages(), "cache, " + ctx);
        assertEquals(c[2], r.cachePrivatePages(), "cache private, " + ctx);
        assertEquals(c[3], r.userPages(), "user, " + ctx);
        assertEquals(c[4], r.freePages(), "free, " + ctx);
        assertEquals(c[5], r.hwpoisonPages(), "hwpoison, " + ctx);
        assertEquals(c[6], r.offlinePages(), "offline, " + ctx);
        assertEquals(want.ram().cardinality(), r.ramPages(), ctx);
        assertEquals(want.dumpable().cardinality(), r.dumpablePages(), ctx);
    }

    private static void assertBits(BitSet want, BitSet got, String what) {
        if (!want.equals(got)) {
            BitSet onlyWant = (BitSet) want.clone();
            onlyWant.andNot(got);
            BitSet onlyGot = (BitSet) got.clone();
            onlyGot.andNot(want);
            throw new AssertionError(what + ": expected-only pfns " + head(onlyWant) + ", got-only pfns " + head(onlyGot));
        }
    }

    private static String head(BitSet b) {
        StringBuilder sb = new StringBuilder("[");
        int n = 0;
        for (int i = b.nextSetBit(0); i >= 0 && n < 12; i = b.nextSetBit(i + 1), n++) {
            sb.append(n == 0 ? "" : ", ").append(i);
        }
        return sb.append(n < b.cardinality() ? ", ... (" + b.cardinality() + ")]" : "]").toString();
    }

    @Test
    void everyGenerationAndLevelMatchesTheModelInOneCycle() throws IOException {
        for (long seed = 1; seed <= 40; seed++) {
            SyntheticKernel k = SyntheticKernel.random(seed);
            FakeDump d = k.build();
            for (int level = 0; level <= 31; level++) {
                check(k, d, level, ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR, 0);
            }
        }
    }

    @Test
    void eachGenerationIsCovered() throws IOException {
        for (SyntheticKernel.Gen g : SyntheticKernel.Gen.values()) {
            boolean seen = false;
            for (long seed = 1; seed <= 400 && !seen; seed++) {
                SyntheticKernel k = SyntheticKernel.random(seed);
                if (k.gen == g) {
                    seen = true;
                    FakeDump d = k.build();
                    check(k, d, 31, ZeroPageHandling.ELF_REMOVE, 1);
                    FilterReport r = PageFilter.forLevel(31).count(d);
                    assertTrue(r.freePages() > 0 && r.userPages() > 0 && r.cachePages() > 0, g + ": " + r);
                }
            }
            assertTrue(seen, "no seed produced " + g);
        }
    }

    /** Half the tries in one cycle; the rest in cycles of 8 frames up to several sections. */
    @Provide
    Arbitrary<Integer> cycleBytes() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 16)),
                Tuple.of(4, Arbitraries.integers().between(17, 1200)));
    }

    /** Any cycle size, any level, any zero-page handling: the same result as the whole-memory model. */
    @Property(tries = 10_000)
    void cyclesAndLevelsMatchTheModel(@ForAll long seed, @ForAll @IntRange(min = 0, max = 31) int level,
            @ForAll("cycleBytes") int cycleBytes, @ForAll ZeroPageHandling zh) throws IOException {
        SyntheticKernel k = SyntheticKernel.random(seed);
        FakeDump d = k.build();
        check(k, d, level, zh, cycleBytes);
    }
}
