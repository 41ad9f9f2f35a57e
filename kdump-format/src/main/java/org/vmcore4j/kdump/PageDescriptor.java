package org.vmcore4j.kdump;

import org.vmcore4j.kdump.codec.Compression;

/**
 * One 24-byte {@code page_desc} of the descriptor table: where a dumpable page's data is and how it
 * is stored. Offset 0 means the page was never written (an incomplete dump).
 *
 * @param offset    file offset of the page data
 * @param size      stored bytes: the block size when raw, less when compressed
 * @param flags     a compression bit of {@link Compression}, or 0 for raw
 * @param pageFlags unused by makedumpfile (always 0), kept for copying
 */
public record PageDescriptor(long offset, int size, int flags, long pageFlags) {
    /** Size of one descriptor on every ABI. */
    public static final int SIZE = 24;

    /** {@return whether the page was lost (descriptor never written)} */
    public boolean lost() {
        return offset == 0;
    }

    /** {@return how the data is stored, or {@code null} if the flags name several methods} */
    public Compression compression() {
        return Compression.fromFlags(flags);
    }
}
