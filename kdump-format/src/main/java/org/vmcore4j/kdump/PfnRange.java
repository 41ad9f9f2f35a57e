package org.vmcore4j.kdump;

/**
 * A range of page frames {@code [start, end)}: the frames one file of a {@code --split} set holds.
 * Immutable.
 *
 * @param start the first frame
 * @param end   one past the last frame
 */
public record PfnRange(long start, long end) {
    /**
     * Checks the range.
     *
     * @param start the first frame
     * @param end   one past the last frame
     */
    public PfnRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad PFN range [" + start + ", " + end + ")");
        }
    }
}
