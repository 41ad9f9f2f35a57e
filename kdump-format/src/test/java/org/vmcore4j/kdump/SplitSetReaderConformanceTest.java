package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.Vmcore;

/**
 * The split-set reader: {@link KdumpReaderConformanceTest}'s machine as a {@code makedumpfile --split}
 * set of three files (frames 0-69, 70-139, 140-199), opened with {@link KdumpVmcore#openSplitSet}.
 */
class SplitSetReaderConformanceTest extends KdumpReaderConformanceTest {
    @Override
    protected Fixture write(Path dir) throws IOException {
        SyntheticKdump s = machine();
        List<Path> files = new ArrayList<>();
        long[] bounds = {0, 70, 140, FRAMES};
        for (int i = 0; i + 1 < bounds.length; i++) {
            files.add(Files.write(dir.resolve("dump.split" + (i + 1)), s.build(bounds[i], bounds[i + 1], true)));
        }
        return fixture(s, files, KdumpFormat.NAME);
    }

    @Override
    protected Vmcore open(List<Path> files) throws IOException {
        return KdumpVmcore.openSplitSet(files);
    }
}
