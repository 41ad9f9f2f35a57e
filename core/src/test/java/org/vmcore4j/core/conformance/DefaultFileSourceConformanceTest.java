package org.vmcore4j.core.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmcore4j.core.RandomAccessSource;

/** What {@link RandomAccessSource#open(Path)} gives, the source {@code Vmcore.open(Path)} reads through. */
class DefaultFileSourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) throws IOException {
        return RandomAccessSource.open(Files.write(dir.resolve("default"), content));
    }
}
