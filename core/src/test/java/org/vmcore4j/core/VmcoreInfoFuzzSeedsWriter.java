package org.vmcore4j.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Rewrites the synthetic seeds of the fuzz test beside it. Not part of the build's tests (its name
 * is not a test name); run on purpose: {@code mvn test -Dtest=VmcoreInfoFuzzSeedsWriter -Dfuzz.writeSeeds=DIR}.
 */
@EnabledIfSystemProperty(named = "fuzz.writeSeeds", matches = ".+")
class VmcoreInfoFuzzSeedsWriter {

    /** Writes the synthetic kernels' notes into {@code -Dfuzz.writeSeeds=<...>/VmcoreInfoFuzzTestInputs}. */
    @Test
    void writeSyntheticSeeds() throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("fuzz.writeSeeds")));
        for (DmesgFuzzTest.Base b : DmesgFuzzTest.BASES) {
            Files.writeString(dir.resolve("synthetic-" + b.kernel().vmcoreInfo().osRelease().orElseThrow() + ".txt"),
                    b.kernel().vmcoreInfoText());
        }
    }
}
