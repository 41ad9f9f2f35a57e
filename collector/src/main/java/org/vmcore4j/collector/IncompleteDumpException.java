package org.vmcore4j.collector;

import java.io.IOException;
import java.util.Locale;

/**
 * Writing the output failed part-way (full disk, I/O error, size limit). What was written stays
 * readable: a kdump file has its INCOMPLETE flag set where the output could be rewritten, an ELF
 * file its incomplete e_flags bit; pages not written read as lost. The cause is attached.
 */
public final class IncompleteDumpException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Pages readable from the output. */
    private final long pagesWritten;
    /** Pages that were to be written. */
    private final long pagesTotal;
    /** Whether the output carries its format's incomplete mark. */
    private final boolean marked;

    /**
     * Describes a failed write.
     *
     * @param destination  the output's name, for the message
     * @param pagesWritten pages readable from the output
     * @param pagesTotal   pages that were to be written
     * @param marked       whether the output carries its format's incomplete mark
     * @param cause        the write's failure
     */
    public IncompleteDumpException(String destination, long pagesWritten, long pagesTotal, boolean marked,
            IOException cause) {
        super(String.format(Locale.ROOT, "writing %s failed after %d of %d pages (%s)%s: %s", destination, pagesWritten,
                pagesTotal, pagesTotal == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", 100.0 * pagesWritten / pagesTotal),
                marked ? "; the file is marked incomplete and what was written is readable"
                        : "; the output could not be marked incomplete",
                cause.getMessage()), cause);
        this.pagesWritten = pagesWritten;
        this.pagesTotal = pagesTotal;
        this.marked = marked;
    }

    /**
     * Pages readable from the output.
     *
     * @return pages readable from the output
     */
    public long pagesWritten() {
        return pagesWritten;
    }

    /**
     * Pages that were to be written.
     *
     * @return pages that were to be written
     */
    public long pagesTotal() {
        return pagesTotal;
    }

    /**
     * Whether the output carries its format's incomplete mark.
     *
     * @return whether the output carries its format's incomplete mark
     */
    public boolean marked() {
        return marked;
    }
}
