package org.vmcore4j.filter;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import org.vmcore4j.core.Vmcore;

/** A scan's bitmaps gathered over all cycles (for tests; dumps here are small). */
record Collected(FilterReport report, BitSet ram, BitSet dumpable, BitSet zero, List<long[]> cycles) {

    static Collected scan(PageFilter filter, Vmcore dump) throws IOException {
        BitSet ram = new BitSet();
        BitSet dumpable = new BitSet();
        BitSet zero = new BitSet();
        List<long[]> cycles = new java.util.ArrayList<>();
        long[] expectedStart = {0};
        FilterReport r = filter.scan(dump, c -> {
            if (c.startPfn() != expectedStart[0] || c.endPfn() <= c.startPfn()) {
                throw new AssertionError("cycles out of order: " + c + " after " + expectedStart[0]);
            }
            expectedStart[0] = c.endPfn();
            cycles.add(new long[] {c.startPfn(), c.endPfn()});
            copy(c.ram(), ram);
            copy(c.dumpable(), dumpable);
            copy(c.zero(), zero);
            // the byte image must agree with get()
            byte[] bytes = new byte[c.dumpable().byteLength() + 3];
            c.dumpable().copyBytes(bytes, 3);
            for (long p = c.startPfn(); p < c.endPfn(); p++) {
                long i = p - c.startPfn();
                boolean bit = (bytes[3 + (int) (i >>> 3)] & (1 << (i & 7))) != 0;
                if (bit != c.dumpable().get(p)) {
                    throw new AssertionError("copyBytes disagrees with get at pfn " + p);
                }
            }
        });
        return new Collected(r, ram, dumpable, zero, cycles);
    }

    private static void copy(PfnBitmap from, BitSet to) {
        for (long p = from.nextSetBit(from.startPfn()); p >= 0; p = from.nextSetBit(p + 1)) {
            to.set(Math.toIntExact(p));
        }
    }
}
