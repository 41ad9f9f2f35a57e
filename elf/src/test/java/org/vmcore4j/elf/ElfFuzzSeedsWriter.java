package org.vmcore4j.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Rewrites the synthetic seeds of the fuzz test beside it. Not part of the build's tests (its name
 * is not a test name); run on purpose: {@code mvn test -Dtest=ElfFuzzSeedsWriter -Dfuzz.writeSeeds=DIR}.
 */
@EnabledIfSystemProperty(named = "fuzz.writeSeeds", matches = ".+")
class ElfFuzzSeedsWriter {

    /** Writes the synthetic seeds into {@code -Dfuzz.writeSeeds=<...>/ElfFuzzTestInputs}. */
    @Test
    void writeSyntheticSeeds() throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("fuzz.writeSeeds")));
        for (SyntheticCores.Core c : SyntheticCores.all()) {
            Files.write(dir.resolve("synthetic-" + c.name()), c.image().bytes());
        }
    }
}
