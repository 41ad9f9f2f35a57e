package org.vmcore4j.core.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.RandomAccessSource;

/** {@link ChannelSource}: positional reads ({@code --non-mmap}, and where mapping is refused). */
class ChannelSourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) throws IOException {
        return ChannelSource.open(Files.write(dir.resolve("channel"), content));
    }
}
