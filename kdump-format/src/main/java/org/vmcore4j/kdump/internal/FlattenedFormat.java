package org.vmcore4j.kdump.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.OpenOptions;
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
    public Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException {
        return openParts(List.of(source), options);
    }

    /** Each part read through its own {@link FlattenedSource}, then opened by the format it holds. */
    @Override
    public Vmcore openParts(List<RandomAccessSource> sources, OpenOptions options) throws IOException {
        // a flattened source holds only its index beside the part it reads, so on failure the
        // caller's closing of the parts releases everything
        List<RandomAccessSource> rearranged = new ArrayList<>();
        for (RandomAccessSource s : sources) {
            FlattenedSource flat = FlattenedSource.open(s);
            if (FlattenedSource.isFlattened(flat)) {
                // makedumpfile never nests them; refusing keeps a crafted chain from recursing without bound
                throw new VmcoreFormatException(flat.description(), 0, "a flattened stream inside a flattened stream");
            }
            rearranged.add(flat);
        }
        return Vmcore.openParts(rearranged, options);
    }
}
