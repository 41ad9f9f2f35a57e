package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The flattened reader: {@link KdumpReaderConformanceTest}'s file as a {@code makedumpfile -F} stream
 * (opened, it is the kdump file it carries, format name included). A copy cut short anywhere lacks
 * the end marker, so every one is refused on open.
 */
class FlattenedReaderConformanceTest extends KdumpReaderConformanceTest {
    @Override
    protected Fixture write(Path dir) throws IOException {
        SyntheticKdump s = machine();
        Path file = Files.write(dir.resolve("dump.flat"), FlattenedStreams.flatten(s.build(), 42));
        return fixture(s, List.of(file), KdumpFormat.NAME);
    }
}
