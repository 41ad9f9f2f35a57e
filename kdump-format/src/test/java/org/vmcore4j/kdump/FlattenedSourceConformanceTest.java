package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.conformance.RandomAccessSourceConformance;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * {@link FlattenedSource}, read from a file: the content as a flattened stream of out-of-order records,
 * one of them overwritten by a later one ({@link FlattenedStreams}, built from the format).
 */
class FlattenedSourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) throws IOException {
        Path flat = Files.write(dir.resolve("flattened"), FlattenedStreams.flatten(content, content.length));
        return FlattenedSource.open(RandomAccessSource.open(flat));
    }
}
