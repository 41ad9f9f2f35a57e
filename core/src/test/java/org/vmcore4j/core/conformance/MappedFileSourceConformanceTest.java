package org.vmcore4j.core.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmcore4j.core.internal.MappedFileSource;
import org.vmcore4j.core.RandomAccessSource;

/** {@link MappedFileSource} with 4 KiB chunks, so the suite's reads cross chunks. */
class MappedFileSourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) throws IOException {
        return MappedFileSource.map(Files.write(dir.resolve("mapped"), content), 12);
    }
}
