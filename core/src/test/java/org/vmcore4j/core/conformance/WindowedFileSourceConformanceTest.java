package org.vmcore4j.core.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.internal.WindowedFileSource;

/** {@link WindowedFileSource} with its smallest window, 4 KiB, so the suite's reads move windows. */
class WindowedFileSourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) throws IOException {
        return WindowedFileSource.open(Files.write(dir.resolve("windowed"), content), 12);
    }
}
