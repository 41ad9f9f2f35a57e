package org.vmcore4j.filter;

import java.util.List;
import org.vmcore4j.core.UnsupportedDumpException;

/**
 * The dump's kernel cannot be classified at the requested dump level: VMCOREINFO lacks keys (or has
 * unusable values for them) that the classification needs, or the kernel uses a memory model or
 * word size the filter does not handle. Thrown before any bitmap is produced, never half-way.
 *
 * <p>{@link #missingKeys()} names the VMCOREINFO keys (e.g. {@code OFFSET(page._mapcount)});
 * {@link #affectedLevelBits()} says which dump level bits need them, so a caller can offer a level
 * without those bits ({@code 0} when no level can be served, e.g. the memory map cannot be found).
 * The message says the same in words.
 */
public class UnsupportedKernelException extends UnsupportedDumpException {
    private static final long serialVersionUID = 1L;

    /** The VMCOREINFO keys the kernel lacks. */
    private final List<String> missingKeys;
    /** The dump level bits that need them. */
    private final int affectedLevelBits;

    /**
     * A kernel of {@code resource} that cannot be classified for {@code reason}, lacking {@code
     * missingKeys}, which the level bits {@code affectedLevelBits} need.
     *
     * @param resource the file or stream, for the message
     * @param reason what is wrong or missing
     * @param missingKeys the missing keys
     * @param affectedLevelBits the affected level bits
     */
    public UnsupportedKernelException(String resource, String reason, List<String> missingKeys, int affectedLevelBits) {
        super(resource, Kind.KERNEL, reason);
        this.missingKeys = List.copyOf(missingKeys);
        this.affectedLevelBits = affectedLevelBits;
    }

    /** {@return VMCOREINFO keys that are absent or unusable, in the order the classifier needed them} */
    public List<String> missingKeys() {
        return missingKeys;
    }

    /** {@return dump level bits that cannot be honoured; 0 if no dump level can be served} */
    public int affectedLevelBits() {
        return affectedLevelBits;
    }
}
