package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vmcore4j.cli.CollectorHarness.Result;

/**
 * The shaded jar as built (Failsafe runs this after the package phase; the other collector tests run
 * the same classes from the class path): it starts, names its version and checks a makedumpfile
 * command line.
 */
class CollectorJarIT {

    @Test
    void shadedJarRunsWhereBuilt() throws Exception {
        Path jar = Path.of("target", "vmcore4j.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": the package phase builds it before this test");
        Path dir = Files.createTempDirectory("vmcore4j-jar");
        try {
            Result v = CollectorHarness.ok(List.of(CollectorHarness.java(), "-jar", jar.toString(), "-v"), dir);
            assertTrue(v.out().startsWith("vmcore4j: version"), v::toString);
            Result c = CollectorHarness.ok(List.of(CollectorHarness.java(), "-Xmx64m", "-jar", jar.toString(),
                    "--check-params", "-l", "-d", "31", "vmcore", "dumpfile"), dir);
            assertEquals(List.of(), CollectorHarness.files(dir), c::toString);
            Result bad = CollectorHarness.run(List.of(CollectorHarness.java(), "-jar", jar.toString(), "-c", "-E",
                    "vmcore", "dumpfile"), dir);
            assertEquals(1, bad.status(), bad::toString);
            assertTrue(bad.err().contains("Commandline parameter is invalid."), bad::toString);
        } finally {
            CollectorHarness.deleteTree(dir);
        }
    }
}
