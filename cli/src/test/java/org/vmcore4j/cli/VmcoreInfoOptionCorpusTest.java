package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * {@code --vmcoreinfo FILE} (makedumpfile's {@code -i}) on a corpus dump whose VMCOREINFO note was
 * removed ({@link VmcoreInfoRemoval}): with the note's text the collector keeps the same pages as
 * from the original (libkdumpfile's page map of both outputs), the log is makedumpfile's of the
 * original; without it every command says what is missing and names the option.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmcoreInfoOptionCorpusTest {
    private Path dir;
    private Corpus.Dump dump;
    private Path noNote;
    private Path vmcoreInfo;

    @BeforeAll
    void makeFixture() throws Exception {
        dump = Corpus.x86_64Dumps().get(0);
        dir = Files.createTempDirectory("vmcoreinfo-option");
        noNote = dir.resolve("vmcore-without-vmcoreinfo");
        String text = VmcoreInfoRemoval.copyWithoutNote(dump.vmcore(), noNote);
        vmcoreInfo = Files.writeString(dir.resolve("vmcoreinfo.txt"), text, StandardCharsets.ISO_8859_1);
    }

    @AfterAll
    void removeFixture() throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void fixtureHasNoNoteForTheRealTools() throws Exception {
        AnalysisTools.ToolRun r = AnalysisTools.makedumpfile(java.util.List.of("--dump-dmesg", noNote.toString(),
                dir.resolve("mdf-no-note.txt").toString()), null);
        assertTrue(!r.ok(), "makedumpfile read the log of the fixture: it still has VMCOREINFO\n" + r.describe(2000));
    }

    @Test
    void withTheTextTheCollectorKeepsTheOriginalsPages() throws Exception {
        Path fromOriginal = dir.resolve("original.kdump");
        Path fromFixture = dir.resolve("fixture.kdump");
        CommandLineTest.Run a = CommandLineTest.run("-d", "31", "-z", dump.vmcore().toString(), fromOriginal.toString());
        assertEquals(0, a.status(), a.err());
        CommandLineTest.Run b = CommandLineTest.run("-d", "31", "-z", "--vmcoreinfo", vmcoreInfo.toString(),
                noNote.toString(), fromFixture.toString());
        assertEquals(0, b.status(), b.err());
        AnalysisTools.PageComparison original = AnalysisTools.comparePages(dump.vmcore(), fromOriginal);
        AnalysisTools.PageComparison fixture = AnalysisTools.comparePages(dump.vmcore(), fromFixture);
        assertEquals(original.maxPfn(), fixture.maxPfn());
        assertArrayEquals(original.pagemap(), fixture.pagemap());
        assertEquals(java.util.List.of(), fixture.problems());
        assertTrue(fixture.compared() > 1000, "pages compared: " + fixture.compared());
        // makedumpfile's -i spelling too
        CommandLineTest.Run c = CommandLineTest.run("-d", "31", "-z", "-i", vmcoreInfo.toString(), noNote.toString(),
                dir.resolve("fixture-i.kdump").toString());
        assertEquals(0, c.status(), c.err());
        assertArrayEquals(Files.readAllBytes(fromFixture), Files.readAllBytes(dir.resolve("fixture-i.kdump")));
    }

    @Test
    void withTheTextTheLogIsTheOriginals() throws Exception {
        Path theirs = dir.resolve("mdf.txt");
        Files.deleteIfExists(theirs);
        AnalysisTools.ToolRun r = AnalysisTools.makedumpfile(java.util.List.of("--dump-dmesg", dump.vmcore().toString(),
                theirs.toString()), null);
        assertTrue(r.ok(), r.describe(2000));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"dmesg", "--vmcoreinfo", vmcoreInfo.toString(), noNote.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertArrayEquals(Files.readAllBytes(theirs), out.toByteArray());

        Path bundle = TriageCorpusTest.triage(noNote, dir.resolve("b.tar.gz"), "--vmcoreinfo", vmcoreInfo.toString());
        Path files = TriageCorpusTest.untar(bundle, dir.resolve("b"));
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(files.resolve(TriageCommand.DMESG)));
        assertEquals(Files.readString(vmcoreInfo, StandardCharsets.ISO_8859_1),
                Files.readString(files.resolve(TriageCommand.VMCOREINFO), StandardCharsets.ISO_8859_1));
    }

    @Test
    void withoutTheTextEveryCommandSaysWhatIsMissingAndNamesTheOption() throws Exception {
        CommandLineTest.Run collect = CommandLineTest.run("-d", "31", noNote.toString(),
                dir.resolve("refused.kdump").toString());
        assertEquals(1, collect.status());
        assertNamesOption(collect.err());
        CommandLineTest.Run dmesg = CommandLineTest.run("dmesg", noNote.toString());
        assertEquals(1, dmesg.status());
        assertNamesOption(dmesg.err());
        CommandLineTest.Run dumpDmesg = CommandLineTest.run("--dump-dmesg", noNote.toString(),
                dir.resolve("refused.txt").toString());
        assertEquals(1, dumpDmesg.status());
        assertNamesOption(dumpDmesg.err());
        CommandLineTest.Run info = CommandLineTest.run("info", noNote.toString());
        assertEquals(0, info.status(), info.err());
        assertNamesOption(info.out());
    }

    private static void assertNamesOption(String message) {
        assertTrue(message.contains("VMCOREINFO") && message.contains("--vmcoreinfo FILE"), message);
    }
}
