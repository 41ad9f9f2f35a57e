package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vmcore4j.core.Vmcore;

/**
 * What a failed run leaves behind: a DUMPFILE stays only when it holds something readable (an
 * INCOMPLETE dump, whose header says so and whose written pages a reader finds); a file that is
 * empty or does not open as a dump is removed, so no 0-byte or headless DUMPFILE is mistaken for a
 * dump. Only files this run created are passed here (an existing DUMPFILE is refused, or removed
 * by {@code -f}, before anything is written).
 */
final class FailedRunOutputs {
    private FailedRunOutputs() {
    }

    /**
     * Removes every file of {@code created} that exists but does not open as a dump.
     *
     * @param failure the run's failure, to which a removal that fails is attached
     */
    static void removeUnreadable(List<Path> created, Throwable failure) {
        for (Path t : created) {
            try {
                if (Files.isRegularFile(t) && !opens(t)) {
                    Files.deleteIfExists(t);
                }
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static boolean opens(Path file) {
        try {
            if (Files.size(file) == 0) {
                return false;
            }
            try (Vmcore v = Vmcore.open(file)) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
