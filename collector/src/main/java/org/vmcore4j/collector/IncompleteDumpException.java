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

    private final long pagesWritten;
    private final long pagesTotal;
    private final boolean marked;

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

    /** Pages readable from the output. */
    public long pagesWritten() {
        return pagesWritten;
    }

    /** Pages that were to be written. */
    public long pagesTotal() {
        return pagesTotal;
    }

    /** Whether the output carries its format's incomplete mark. */
    public boolean marked() {
        return marked;
    }
}
