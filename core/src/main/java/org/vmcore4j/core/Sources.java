package org.vmcore4j.core;

import java.io.IOException;
import java.nio.file.Path;
import org.vmcore4j.core.internal.WindowedFileSource;

/** Opens a dump file as the {@link OpenOptions.ReadMode} asks. */
final class Sources {
    private Sources() {
    }

    static RandomAccessSource open(Path file, OpenOptions.ReadMode mode) throws IOException {
        return switch (mode) {
            case MAPPED -> RandomAccessSource.open(file);
            case WINDOWED -> WindowedFileSource.open(file, WindowedFileSource.DEFAULT_WINDOW_POWER);
            case PREAD -> ChannelSource.open(file);
        };
    }
}
