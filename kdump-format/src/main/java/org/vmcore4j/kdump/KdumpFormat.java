package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormat;

/**
 * The kdump-compressed format for {@link Vmcore#open}: files that start with {@code "KDUMP   "}
 * (makedumpfile) or {@code "DISKDUMP"} (the old diskdump). Opens them as {@link KdumpVmcore}.
 */
public final class KdumpFormat implements VmcoreFormat {
    /** {@link #name()}. */
    public static final String NAME = "kdump";

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
    public Vmcore open(RandomAccessSource source) throws IOException {
        return KdumpVmcore.open(source);
    }

    /**
     * Opens the parts of a split set, in any order, as one dump; on success the dump owns the
     * sources, on failure the caller still does. The shape a multi-file {@code Vmcore.open} could call.
     */
    public Vmcore openSet(List<RandomAccessSource> sources) throws IOException {
        List<KdumpFile> parts = new ArrayList<>();
        for (RandomAccessSource s : sources) {
            parts.add(KdumpFile.open(s));
        }
        return KdumpVmcore.ofParts(parts, sources.get(0).description()
                + (sources.size() > 1 ? " (+" + (sources.size() - 1) + " split parts)" : ""));
    }
}
