package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.Corpus;

/** Shared checks for the corpus tests. */
public final class CorpusSupport {
    private CorpusSupport() {
    }

    /**
     * Aborts the test (reported as skipped, with the reason) when core's kernel address translation
     * for the dump's architecture is still the placeholder that says "not implemented": the filter
     * reads struct pages through it. Any other failure is a real error and propagates.
     */
    public static void assumeTranslation(Corpus.Dump d) throws IOException {
        try (Vmcore dump = Vmcore.open(d.vmcore())) {
            dump.kernelAddressSpace();
        } catch (VmcoreFormatException e) {
            boolean placeholder = e.getMessage().contains("not implemented");
            assumeTrue(!placeholder, "kernel address translation is not available in core yet: " + e.getMessage());
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
