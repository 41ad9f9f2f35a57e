package org.vmcore4j.kdump.codec;

import java.io.IOException;

/**
 * Compressed page data did not decode to exactly one page. The reader turns this into a
 * {@link org.vmcore4j.core.VmcoreFormatException} naming the file, the data offset and the PFN.
 * An {@link IOException}: it is damaged input, as every other defect a reader meets.
 */
public class CorruptPageException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Page data that is damaged as {@code message} says.
     *
     * @param message the detail message
     */
    public CorruptPageException(String message) {
        super(message);
    }

    /**
     * As {@link #CorruptPageException(String)}, found by {@code cause}.
     *
     * @param message the detail message
     * @param cause what found it
     */
    public CorruptPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
