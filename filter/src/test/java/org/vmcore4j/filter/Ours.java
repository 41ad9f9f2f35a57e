package org.vmcore4j.filter;

import java.io.IOException;
import org.vmcore4j.core.Vmcore;

/** Our scan of a dump, with both bitmaps laid out as makedumpfile writes them (one bit per frame from 0). */
record Ours(FilterReport report, byte[] bitmap1, byte[] bitmap2, long millis) {

    static Ours scan(PageFilter filter, Vmcore dump) throws IOException {
        long t0 = System.nanoTime();
        PageScan prepared = filter.prepare(dump);
        int bytes = Math.toIntExact((prepared.maxMapnr() + 7) / 8);
        byte[] b1 = new byte[bytes];
        byte[] b2 = new byte[bytes];
        FilterReport r = filter.scan(dump, c -> {
            // cycles start at multiples of 8 frames, so each cycle's bytes land whole
            c.ram().copyBytes(b1, (int) (c.startPfn() / 8));
            c.dumpable().copyBytes(b2, (int) (c.startPfn() / 8));
        });
        return new Ours(r, b1, b2, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Number of frames whose bit differs between {@code ours} and {@code theirs} (bits past ours must be clear there). */
    static long mismatches(byte[] ours, byte[] theirs) {
        long n = 0;
        for (int i = 0; i < Math.max(ours.length, theirs.length); i++) {
            int a = i < ours.length ? ours[i] & 0xff : 0;
            int b = i < theirs.length ? theirs[i] & 0xff : 0;
            n += Integer.bitCount(a ^ b);
        }
        return n;
    }

    /** The first differing frame, or -1. */
    static long firstMismatch(byte[] ours, byte[] theirs) {
        for (int i = 0; i < Math.max(ours.length, theirs.length); i++) {
            int a = i < ours.length ? ours[i] & 0xff : 0;
            int b = i < theirs.length ? theirs[i] & 0xff : 0;
            if (a != b) {
                return 8L * i + Integer.numberOfTrailingZeros(a ^ b);
            }
        }
        return -1;
    }

    static long popcount(byte[] b) {
        long n = 0;
        for (byte x : b) {
            n += Integer.bitCount(x & 0xff);
        }
        return n;
    }
}
