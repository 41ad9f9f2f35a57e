package org.vmcore4j.collector;

import org.vmcore4j.filter.ScanListener;

/**
 * Receives a collection's progress (scanning, then copying pages into the output); the library never
 * prints, the CLI renders these the way makedumpfile does ({@code Copying data : [ 42.0 %] ...}).
 * Every method has an empty default. Called on the writing thread.
 */
public interface CollectorListener extends ScanListener {
    /** A listener that ignores everything. */
    CollectorListener NONE = new CollectorListener() {
    };

    /**
     * {@code done} of {@code total} dumpable pages have been written (or, for {@code -E}, have been
     * decided and written). Called often; cheap enough to throttle in the listener.
     *
     * @param done  pages written so far
     * @param total pages to write in all
     */
    default void copyProgress(long done, long total) {
    }
}
