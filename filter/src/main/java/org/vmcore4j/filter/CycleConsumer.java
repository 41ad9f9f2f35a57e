package org.vmcore4j.filter;

import java.io.IOException;

/**
 * Receives each cycle's bitmaps, in PFN order. The {@link FilterCycle} and its bitmaps are reused for
 * the next cycle: copy what must outlive the call. An exception thrown here ends the scan and
 * propagates to the caller of {@link PageFilter#scan}.
 */
@FunctionalInterface
public interface CycleConsumer {
    /** A consumer that only lets the scan count. */
    CycleConsumer NONE = cycle -> {
    };

    /**
     * Takes one cycle's bitmaps.
     *
     * @param cycle the cycle, valid during this call only
     * @throws IOException to end the scan
     */
    void accept(FilterCycle cycle) throws IOException;
}
