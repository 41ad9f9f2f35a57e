package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/** {@code vmcore4j --dump-dmesg} writes the same file as {@code makedumpfile --dump-dmesg} and exits as it does. */
@RequiresCorpus
@RequiresMakedumpfile
class DumpDmesgCommandCorpusTest {

    static java.util.List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void fileAndStatusEqualMakedumpfiles(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        Path theirs = dir.resolve("makedumpfile.txt");
        Process p = new ProcessBuilder(Corpus.requireMakedumpfile().toString(), "--dump-dmesg",
                dump.vmcore().toString(), theirs.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());

        Path ours = dir.resolve("vmcore4j.txt");
        CommandLineTest.Run r = CommandLineTest.run("--dump-dmesg", dump.vmcore().toString(), ours.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("The dmesg log is saved to " + ours + "."), r.out());
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));

        // a second run refuses to overwrite, as makedumpfile does without -f; with -f it rewrites
        CommandLineTest.Run again = CommandLineTest.run("--dump-dmesg", dump.vmcore().toString(), ours.toString());
        assertEquals(1, again.status());
        CommandLineTest.Run forced = CommandLineTest.run("-f", "--dump-dmesg", dump.vmcore().toString(), ours.toString());
        assertEquals(0, forced.status(), forced.err());
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
    }

    /** {@code --dump-dmesg -F VMCORE}: the log on standard output, as makedumpfile prints it there. */
    @ParameterizedTest
    @MethodSource("dumps")
    void flattenedDmesgGoesToStandardOutputAsMakedumpfiles(Corpus.Dump dump) throws Exception {
        Process p = new ProcessBuilder(Corpus.requireMakedumpfile().toString(), "--dump-dmesg", "-F",
                dump.vmcore().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] theirs = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Main.run(new String[] {"--dump-dmesg", "-F", dump.vmcore().toString()},
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertArrayEquals(theirs, out.toByteArray(), "stdout carries the log only; messages go to stderr");
        String messages = err.toString(StandardCharsets.UTF_8);
        assertTrue(messages.contains("The dmesg log is saved to STDOUT."), messages);
    }
}
