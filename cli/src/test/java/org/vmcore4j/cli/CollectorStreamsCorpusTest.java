package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.assertSameBytes;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6: the flattened format both ways. Our {@code -F} stream rearranged by {@code makedumpfile -R}
 * equals our direct file; our {@code -R} turns makedumpfile's {@code -F} stream (from standard input)
 * into makedumpfile's direct file, and into what {@code makedumpfile -R} makes of it, byte for byte.
 */
@RequiresCorpus
@RequiresMakedumpfile
class CollectorStreamsCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("streams");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-z", "-l"})
    void flattenedBothWays(String codec) throws Exception {
        String vmcore = Corpus.x86_64Dumps().get(0).vmcore().toString();
        Path ourFlat = dir.resolve("o.flat");
        Path ourFile = dir.resolve("o.direct");
        Path mdfFlat = dir.resolve("m.flat");
        Path mdfFile = dir.resolve("m.direct");

        // -F: the dump on stdout, every message on stderr
        Result f = CollectorHarness.run(ours("-F", codec, "-d", "31", vmcore), dir, null, ourFlat);
        assertEquals(0, f.status(), f::toString);
        assertTrue(f.err().contains("The dumpfile is saved to standard output."), f::toString);
        CollectorHarness.ok(ours(codec, "-d", "31", vmcore, ourFile.toString()), dir);
        Result mf = CollectorHarness.run(makedumpfile("-F", codec, "-d", "31", vmcore), dir, null, mdfFlat);
        assertEquals(0, mf.status(), mf::toString);
        CollectorHarness.ok(makedumpfile(codec, "-d", "31", vmcore, mdfFile.toString()), dir);

        // ours -F | makedumpfile -R == ours direct
        Path a = dir.resolve("ours-F-mdf-R");
        Result r1 = CollectorHarness.run(makedumpfile("-R", a.toString()), dir, ourFlat, null);
        assertEquals(0, r1.status(), r1::toString);
        assertSameBytes(ourFile, a);

        // makedumpfile -F | ours -R == makedumpfile direct == makedumpfile -F | makedumpfile -R
        Path b = dir.resolve("mdf-F-ours-R");
        Result r2 = CollectorHarness.run(ours("-R", b.toString()), dir, mdfFlat, null);
        assertEquals(0, r2.status(), r2::toString);
        assertTrue(r2.out().contains("The dumpfile is saved to " + b + "."), r2::toString);
        assertSameBytes(mdfFile, b);
        Path c = dir.resolve("mdf-F-mdf-R");
        assertEquals(0, CollectorHarness.run(makedumpfile("-R", c.toString()), dir, mdfFlat, null).status());
        assertSameBytes(c, b);

        // and ours -F | ours -R == ours direct; ours == makedumpfile's throughout
        Path d = dir.resolve("ours-F-ours-R");
        assertEquals(0, CollectorHarness.run(ours("-R", d.toString()), dir, ourFlat, null).status());
        assertSameBytes(ourFile, d);
        assertSameBytes(mdfFile, ourFile);
        System.out.printf(Locale.ROOT, "%s -d 31: our -F stream %d bytes, makedumpfile's %d; files %d / %d bytes, all equal%n",
                codec, Files.size(ourFlat), Files.size(mdfFlat), Files.size(ourFile), Files.size(mdfFile));
        for (Path p : List.of(ourFlat, ourFile, mdfFlat, mdfFile, a, b, c, d)) {
            Files.delete(p);
        }
    }

    /**
     * A reader that goes away (ssh losing its connection) fails the run, as it stops makedumpfile
     * (SIGPIPE): a collector that went on would report a dump saved that the target never got.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ours", "makedumpfile"})
    void readerGoingAwayFailsTheRun(String tool) throws Exception {
        String vmcore = Corpus.x86_64Dumps().get(0).vmcore().toString();
        List<String> cmd = tool.equals("ours") ? ours("-F", "-l", "-d", "31", vmcore) : makedumpfile("-F", "-l", "-d", "31", vmcore);
        Path err = dir.resolve("reader-gone.err");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] first = p.getInputStream().readNBytes(1 << 20);
        p.getInputStream().close();
        assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "still running after its reader went away");
        String messages = Files.readString(err, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(1 << 20, first.length);
        assertTrue(p.exitValue() != 0, () -> tool + " exited 0 after its reader went away:\n" + messages);
        if (tool.equals("ours")) {
            assertTrue(messages.contains("standard output: write failed"), messages);
            assertTrue(messages.contains("vmcore4j Failed."), messages);
        }
        System.out.printf(Locale.ROOT, "%s -F with its reader gone after 1 MiB: exit status %d%n", tool, p.exitValue());
        Files.delete(err);
    }
}
