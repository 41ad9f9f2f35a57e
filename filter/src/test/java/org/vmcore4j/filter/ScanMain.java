package org.vmcore4j.filter;

import java.nio.file.Path;
import org.vmcore4j.core.Vmcore;

/**
 * Runs one scan and prints its report, for {@link SmallHeapTest} to run in a JVM with a small heap:
 * {@code ScanMain VMCORE LEVEL CYCLE_BUFFER_BYTES}. Prints the max heap, the report block, the
 * dumpable-page count and a checksum of the 2nd bitmap.
 */
public final class ScanMain {
    private ScanMain() {
    }

    public static void main(String[] args) throws Exception {
        int level = Integer.parseInt(args[1]);
        long cycle = Long.parseLong(args[2]);
        long[] hash = {1125899906842597L};
        try (Vmcore dump = Vmcore.open(Path.of(args[0]))) {
            FilterReport r = PageFilter.forLevel(level).withCycleBufferBytes(cycle).scan(dump, c -> {
                for (long p = c.dumpable().nextSetBit(c.startPfn()); p >= 0; p = c.dumpable().nextSetBit(p + 1)) {
                    hash[0] = 31 * hash[0] + p;
                }
            });
            System.out.println("maxMemory " + Runtime.getRuntime().maxMemory());
            System.out.print(r.toMakedumpfileText());
            System.out.println("dumpable " + r.dumpablePages() + " hash " + Long.toHexString(hash[0]));
        }
    }
}
