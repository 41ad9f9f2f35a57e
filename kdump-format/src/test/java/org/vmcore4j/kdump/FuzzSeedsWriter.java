package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Writes the synthetic seeds of the kdump-format fuzz tests (complete small files in every layout,
 * byte order and codec) into {@code -Dfuzz.writeSeeds=<src/test/resources/org/vmcore4j/kdump>}.
 * Skipped otherwise. The real-file seeds beside them are heads of makedumpfile outputs (FUZZING.md).
 */
@EnabledIfSystemProperty(named = "fuzz.writeSeeds", matches = ".+")
class FuzzSeedsWriter {

    @Test
    void write() throws IOException {
        Path root = Path.of(System.getProperty("fuzz.writeSeeds"));
        Path kdump = Files.createDirectories(root.resolve("KdumpFuzzTestInputs"));
        Path flat = Files.createDirectories(root.resolve("FlattenedFuzzTestInputs"));
        Path split = Files.createDirectories(root.resolve("SplitSetFuzzTestInputs"));
        int i = 0;
        for (HeaderLayout layout : HeaderLayout.values()) {
            for (Compression c : Compression.values()) {
                boolean big = (i & 1) == 1;
                int version = 1 + i % 6;
                SyntheticKdump s = new SyntheticKdump(layout, big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                        version, 512, 24, c, i);
                String name = "synthetic-" + layout.name().toLowerCase(Locale.ROOT) + "-" + (big ? "be" : "le") + "-v" + version
                        + "-" + c.name().toLowerCase(Locale.ROOT);
                Files.write(kdump.resolve(name), s.build());
                i++;
            }
        }
        SyntheticKdump s = new SyntheticKdump(HeaderLayout.LP64, ByteOrder.LITTLE_ENDIAN, 6, 512, 24, Compression.ZLIB, 7);
        Files.write(flat.resolve("synthetic-lp64-le-v6-zlib"), HostileInputProperties.flatten(s.build(), new Random(7)));
        SyntheticKdump t = new SyntheticKdump(HeaderLayout.LP64, ByteOrder.LITTLE_ENDIAN, 6, 512, 24, Compression.LZO, 8);
        Files.write(split.resolve("synthetic-two-parts-lzo"), SplitSetFuzzTest.frame(List.of(t.build(0, 10, true),
                t.build(10, 24, true))));
        SyntheticKdump u = new SyntheticKdump(HeaderLayout.ILP32_PAD, ByteOrder.BIG_ENDIAN, 5, 512, 24, Compression.NONE, 9);
        Files.write(split.resolve("synthetic-three-parts-one-flattened"), SplitSetFuzzTest.frame(List.of(
                u.build(0, 5, true), HostileInputProperties.flatten(u.build(5, 20, true), new Random(9)),
                u.build(20, 24, true))));
        Files.write(split.resolve("synthetic-single-file"), SplitSetFuzzTest.frame(List.of(t.build())));
    }
}
