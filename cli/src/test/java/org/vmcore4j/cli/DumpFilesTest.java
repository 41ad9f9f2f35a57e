package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which inputs the collector maps (procfs files: /proc/vmcore) and which it reads with pread (every other file). */
class DumpFilesTest {
    @Test
    void procfsFilesAreMappedOthersAreNot(@TempDir Path dir) throws Exception {
        assertTrue(DumpFiles.isProcFile(Path.of("/proc/self/status")), "a procfs file");
        Path file = Files.writeString(dir.resolve("vmcore"), "x");
        assertFalse(DumpFiles.isProcFile(file), "a regular file");
        assertFalse(DumpFiles.isProcFile(Path.of("-")), "standard input");
        assertFalse(DumpFiles.isProcFile(dir.resolve("missing")), "a file that is not there");
    }
}
