package org.vmcore4j.filter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;

/** Shared checks for the corpus tests. */
public final class CorpusSupport {
    private CorpusSupport() {
    }

    /**
     * Skips the test (with the reason), or fails it under {@code VMCORE4J_REQUIRE_CORPUS=1}, when
     * core's kernel address translation for the dump's architecture says "not implemented": the
     * filter reads struct pages through it. Any other failure is a real error and propagates.
     */
    public static void assumeTranslation(Corpus.Dump d) throws IOException {
        try (Vmcore dump = Vmcore.open(d.vmcore())) {
            dump.kernelAddressSpace();
        } catch (VmcoreFormatException e) {
            boolean placeholder = e.getMessage().contains("not implemented");
            Prerequisites.assumePresent(!placeholder, "kernel address translation of corpus dump " + d.name()
                    + " is not available in core yet: " + e.getMessage());
            throw e;
        }
    }

    /** Debian's makedumpfile (1.7.2 on bookworm), if installed: /usr/sbin or /usr/bin. */
    static Optional<Path> debianMakedumpfile() {
        for (String p : new String[] {"/usr/sbin/makedumpfile", "/usr/bin/makedumpfile"}) {
            Path path = Path.of(p);
            if (Files.isExecutable(path)) {
                return Optional.of(path);
            }
        }
        return Optional.empty();
    }
}
