package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Filtering a kdump-compressed dump again (offline triage: {@code makedumpfile -d 31 old.kdump new}):
 * makedumpfile 1.7.9 writes an LZO {@code -d 1} dump of each corpus vmcore, then both it and we
 * filter that file at several levels. makedumpfile ORs the input's level into the requested one, so
 * the levels compared here all include 1. The input is opened through the kdump-format reader
 * (test scope); bitmaps and report must be equal, the memory hole now counted from the file's own
 * RAM bitmap.
 */
@RequiresCorpus
@RequiresMakedumpfile
class RefilterDifferentialTest {

    @Test
    void refilteringMakedumpfilesOwnOutputEqualsMakedumpfile() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        Path dir = Files.createDirectories(Path.of("target", "refilter"));
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            Path kdump = dir.resolve(d.name() + "-l-d1.kdump");
            Files.deleteIfExists(kdump);
            Process p = new ProcessBuilder(mdf.toString(), "-l", "-d", "1", d.vmcore().toString(), kdump.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(5, TimeUnit.MINUTES);
            assertEquals(0, p.exitValue(), "makedumpfile -l -d 1 " + d.name());
            try (Vmcore dump = Vmcore.open(kdump)) {
                assertEquals("kdump", dump.formatName());
                for (int level : new int[] {1, 3, 9, 17, 31}) {
                    ReferenceRun ref = ReferenceRun.run(mdf, kdump, ReferenceRun.kdumpArgs(level),
                            dir.resolve("ref"));
                    Ours ours = Ours.scan(PageFilter.forLevel(level), dump);
                    String ctx = d.name() + " (as an LZO -d 1 kdump file) -d " + level;
                    assertEquals(0, Ours.mismatches(ours.bitmap1(), ref.bitmap1()), "1st bitmap, " + ctx);
                    assertEquals(0, Ours.mismatches(ours.bitmap2(), ref.bitmap2()), "2nd bitmap, " + ctx);
                    assertEquals(ref.reportBlock(), ours.report().toMakedumpfileText().substring(1), "report, " + ctx);
                    System.out.printf(Locale.ROOT, "%s: equal to makedumpfile (dumpable %d, %d ms)%n", ctx,
                            ours.report().dumpablePages(), ours.millis());
                }
            } finally {
                Files.deleteIfExists(kdump);
            }
        }
    }
}
