package org.vmcore4j.kdump;

import java.io.IOException;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormat;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * The flattened format ({@code makedumpfile -F}) for {@link Vmcore#open}: a file starting with
 * {@code "makedumpfile"} and type 1. It is read in place through {@link FlattenedSource}, and the
 * rearranged bytes are opened by whichever format they hold (kdump-compressed, or ELF for
 * {@code -E -F}), so the returned dump reports that format's name.
 */
public final class FlattenedFormat implements VmcoreFormat {
    /** {@link #name()}. */
    public static final String NAME = "flattened";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean probe(RandomAccessSource source) throws IOException {
        return FlattenedSource.isFlattened(source);
    }

    @Override
    public Vmcore open(RandomAccessSource source) throws IOException {
        // the flattened source owns `source` once built; a failure before that leaves it to the caller
        FlattenedSource flat = FlattenedSource.open(source);
        if (FlattenedSource.isFlattened(flat)) {
            // makedumpfile never nests them; refusing keeps a crafted chain from recursing without bound
            throw new VmcoreFormatException(flat.description(), 0, "a flattened stream inside a flattened stream");
        }
        return Vmcore.open(flat);
    }
}
