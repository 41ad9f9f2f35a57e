package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormat;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * The kdump-compressed format for {@link Vmcore#open}: files that start with {@code "KDUMP   "}
 * (makedumpfile) or {@code "DISKDUMP"} (the old diskdump). Opens them as {@link KdumpVmcore}.
 */
public final class KdumpFormat implements VmcoreFormat {
    /** {@link #name()}. */
    public static final String NAME = "kdump";

    /** The provider {@link java.util.ServiceLoader} makes; callers open dumps with {@link Vmcore#open}. */
    public KdumpFormat() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean probe(RandomAccessSource source) throws IOException {
        if (source.size() < 8) {
            return false;
        }
        String sig = new String(source.readBytes(0, 8), StandardCharsets.ISO_8859_1);
        return DiskDumpHeader.isSignature(sig);
    }

    @Override
    public Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException {
        return openParts(List.of(source), options);
    }

    /**
     * Opens the parts of a split set, in any order, as one dump; each may also be flattened. On
     * success the dump owns the sources, on failure the caller still does.
     */
    @Override
    public Vmcore openParts(List<RandomAccessSource> sources, OpenOptions options) throws IOException {
        List<KdumpFile> parts = new ArrayList<>();
        for (RandomAccessSource s : sources) {
            // a flattened part is read through its own FlattenedSource, which then owns the part
            parts.add(KdumpFile.open(FlattenedSource.isFlattened(s) ? FlattenedSource.open(s) : s));
        }
        String description = sources.size() == 1 ? sources.get(0).description()
                : "split set " + sources.get(0).description() + " (+" + (sources.size() - 1) + ")";
        return KdumpVmcore.ofParts(parts, description, options.architecture());
    }
}
