package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;

/**
 * The crash signature's hash on real dumps of the same kernel: the corpus's 6.1 sysrq-c dump and
 * another boot's (testdata/tools/make-signature-dumps.sh; KASLR puts the kernel elsewhere) hash the
 * same; a panic from another path (the first kernel's /init exits) hashes differently.
 */
@RequiresCorpus
class SignatureHashCorpusTest {
    static final String SAME_CRASH = "k61-sysrq-again";
    static final String OTHER_CRASH = "k61-init-exit";

    /** {@code VMCORE4J_SIGNATURE_DUMPS}, else make-signature-dumps.sh's default folder. */
    static Path signatureDumps() {
        String env = System.getenv("VMCORE4J_SIGNATURE_DUMPS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("vmcore4j-signature-dumps");
    }

    /** A dump of the signature set, or the test is skipped saying how to build it (failed under VMCORE4J_REQUIRE_CORPUS=1). */
    static Path requireDump(String name) {
        Path vmcore = signatureDumps().resolve(name).resolve("vmcore");
        if (!Files.isRegularFile(vmcore)) {
            String why = "no " + vmcore + ": run testdata/tools/make-signature-dumps.sh (about 2 minutes per dump)";
            if (Corpus.required()) {
                throw new IllegalStateException("VMCORE4J_REQUIRE_CORPUS=1 but " + why);
            }
            Assumptions.abort(why);
        }
        return vmcore;
    }

    static Path corpusDump(String name) {
        return Corpus.dumps().stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the corpus has no " + name)).vmcore();
    }

    static String json(Path dump) {
        CommandLineTest.Run r = CommandLineTest.run("info", "--json", dump.toString());
        assertEquals(0, r.status(), r.err());
        return r.out();
    }

    @Test
    void sameCauseAnotherBootSameHashAnotherCauseAnotherHash() {
        String first = json(corpusDump("k61-1g-2cpu"));
        String again = json(requireDump(SAME_CRASH));
        String other = json(requireDump(OTHER_CRASH));

        String kaslrFirst = TriageCorpusTest.group(first, "\"kernelOffset\": \"(0x[0-9a-f]+)\"");
        String kaslrAgain = TriageCorpusTest.group(again, "\"kernelOffset\": \"(0x[0-9a-f]+)\"");
        assertNotEquals(kaslrFirst, kaslrAgain, "the two boots must differ in KASLR offset for this test to mean anything");

        String hash = "\"hash\": \"([0-9a-f]{16})\"";
        assertNotNull(TriageCorpusTest.group(first, hash), first);
        assertEquals(TriageCorpusTest.group(first, hash), TriageCorpusTest.group(again, hash));
        assertNotEquals(TriageCorpusTest.group(first, hash), TriageCorpusTest.group(other, hash));

        String headline = TriageCorpusTest.group(other, "\"headline\": \"([^\"]*)\"");
        assertTrue(headline.startsWith("Kernel panic - not syncing: Attempted to kill init!"), other);
        assertTrue(other.contains("\"do_exit\""), other);
    }
}
