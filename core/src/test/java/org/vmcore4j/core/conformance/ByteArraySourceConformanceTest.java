package org.vmcore4j.core.conformance;

import java.nio.file.Path;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.RandomAccessSource;

/** {@link ByteArraySource}: holds no file, so reads after close may go on (with the right bytes). */
class ByteArraySourceConformanceTest extends RandomAccessSourceConformance {
    @Override
    protected RandomAccessSource open(byte[] content, Path dir) {
        return new ByteArraySource(content.clone(), "byte array of " + content.length);
    }

    @Override
    protected boolean holdsResources() {
        return false;
    }
}
