package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmcore4j.cli.CollectorHarness.PageCounts;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6: {@code -L}/{@code --size-limit} with a list of dump levels retries at the next level when
 * the file fills up, as makedumpfile does; with no level left it fails (status 1) and leaves a file
 * flagged incomplete whose written pages read correctly.
 */
@RequiresCorpus
@RequiresMakedumpfile
class CollectorSizeLimitCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("size-limit");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    @Test
    void retriesWithTheNextLevel() throws Exception {
        String vmcore = Corpus.x86_64Dumps().get(0).vmcore().toString();
        Path m = dir.resolve("m.z");
        Path o = dir.resolve("o.z");
        // a limit the -d 31 file fits in and the -d 0 one does not: a MiB over makedumpfile's -d 31 size
        // (each build of the corpus dump differs, so the size is measured, not written down)
        Result fit = CollectorHarness.run(makedumpfile("-d", "31", "-z", vmcore, m.toString()), dir);
        assertEquals(0, fit.status(), fit::toString);
        long limit = (Files.size(m) >> 20) + 1 << 20;
        Files.delete(m);
        String mib = (limit >> 20) + "M";
        Result mr = CollectorHarness.run(makedumpfile("-L", mib, "-d", "0,31", "-z", vmcore, m.toString()), dir);
        Result or = CollectorHarness.run(ours("-L", mib, "-d", "0,31", "-z", vmcore, o.toString()), dir);
        assertEquals(0, mr.status(), mr::toString);
        assertEquals(0, or.status(), or::toString);
        for (Result r : List.of(mr, or)) {
            assertTrue(r.all().contains("Size limit(" + limit + ") reached") || r.all().contains("size limit (" + limit
                    + " bytes)"), r::toString);
            assertTrue(r.all().contains("Retry to create a dumpfile by dump_level(31)."), r::toString);
        }
        CollectorHarness.assertSameBytes(m, o);
        try (KdumpVmcore k = KdumpVmcore.open(o)) {
            assertEquals(31, k.dumpLevel());
            assertFalse(k.incomplete());
        }
        assertTrue(Files.size(o) <= limit);
        System.out.printf(Locale.ROOT, "-L %s -d 0,31 -z: retried at 31, %d bytes, equal to makedumpfile's%n", mib,
                Files.size(o));
        Files.delete(m);
        Files.delete(o);
    }

    @Test
    void failsIncompleteWhenNoLevelIsLeft() throws Exception {
        Corpus.Dump dump = Corpus.x86_64Dumps().get(0);
        Path m = dir.resolve("m.z");
        Path o = dir.resolve("o.z");
        Result mr = CollectorHarness.run(makedumpfile("-L", "5M", "-d", "31", "-z", dump.vmcore().toString(),
                m.toString()), dir);
        Result or = CollectorHarness.run(ours("--size-limit", "5M", "-d", "31", "-z", dump.vmcore().toString(),
                o.toString()), dir);
        assertEquals(1, mr.status(), mr::toString);
        assertEquals(1, or.status(), or::toString);
        for (Result r : List.of(mr, or)) {
            assertTrue(r.all().contains("This is an incomplete dumpfile, but might analyzable."), r::toString);
        }
        assertTrue(mr.all().contains("makedumpfile Failed.") && or.all().contains("vmcore4j Failed."), or::toString);
        assertTrue(or.all().contains("5242880"), or::toString);
        assertEquals(5L << 20, Files.size(m));
        assertTrue(Files.size(o) <= 5L << 20);
        try (KdumpVmcore km = KdumpVmcore.open(m); KdumpVmcore ko = KdumpVmcore.open(o)) {
            assertTrue(km.incomplete());
            assertTrue(ko.incomplete(), "vmcore4j's file carries the INCOMPLETE flag");
        }
        // the pages each file holds read as the vmcore's; both keep the same dumpable set, ours loses no more
        long compared = CollectorHarness.assertPagesFromVmcore(o, dump.vmcore(), 1);
        PageCounts ours = counts(o);
        PageCounts theirs = counts(m);
        assertTrue(ours.lost() > 0 && theirs.lost() > 0);
        assertEquals(theirs.present() + theirs.lost(), ours.present() + ours.lost(), "the same dumpable pages");
        System.out.printf(Locale.ROOT, "-L 5M -d 31 -z: status 1, INCOMPLETE; ours %d pages present (all %d equal the vmcore's), "
                + "%d lost; makedumpfile's %d present, %d lost%n", ours.present(), compared, ours.lost(),
                theirs.present(), theirs.lost());
        Files.delete(m);
        Files.delete(o);
    }

    private static PageCounts counts(Path p) throws Exception {
        return CollectorHarness.assertSamePages(p, p, Integer.MAX_VALUE);
    }
}
