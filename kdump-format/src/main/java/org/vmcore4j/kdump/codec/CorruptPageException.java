package org.vmcore4j.kdump.codec;

/**
 * Compressed page data did not decode to exactly one page. The reader turns this into a
 * {@link org.vmcore4j.core.VmcoreFormatException} naming the file, the data offset and the PFN.
 */
public class CorruptPageException extends Exception {
    public CorruptPageException(String message) {
        super(message);
    }

    public CorruptPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
