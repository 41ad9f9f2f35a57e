package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ok;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.PageCounts;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6: every corpus dump collected in a 64 MiB heap (as kdump's small capture kernel would run
 * the jar), and a makedumpfile {@code -d 1 -l} file re-filtered to {@code -d 31 -z}.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class CollectorSmallHeapCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("small-heap");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    /** -Xmx64m: -l -d 31, and --num-threads 2 -z -d 1, give makedumpfile's files byte for byte. */
    @ParameterizedTest
    @MethodSource("dumps")
    void collectsIn64MiB(Corpus.Dump dump) throws Exception {
        String vmcore = dump.vmcore().toString();
        // bin/vmcore4j's default JVM options: -Xmx64m, and what keeps the resident set small
        List<String> jvm = List.of("-XX:+UseSerialGC", "-Xmx64m", "-Xmn4m", "-XX:TieredStopAtLevel=1");
        Path o = dir.resolve("o.l");
        Path m = dir.resolve("m.l");
        Result r = ok(ours(jvm, "-l", "-d", "31", vmcore, o.toString()), dir);
        assertTrue(r.out().contains("vmcore4j Completed."), r::toString);
        ok(makedumpfile("-l", "-d", "31", vmcore, m.toString()), dir);
        PageCounts c = CollectorHarness.assertSamePages(m, o, 11);
        CollectorHarness.assertSameBytes(m, o); // the LZO1X-1 encoder is liblzo2's, byte for byte
        CollectorHarness.assertLibkdumpfileReads(o, dump.vmcore(), 100);
        System.out.printf(Locale.ROOT, "%s -Xmx64m -l -d 31 in %d ms: %d present pages, %d bytes, equal to makedumpfile's%n", dump,
                r.millis(), c.present(), Files.size(o));
        Files.delete(o);
        Files.delete(m);

        Path oz = dir.resolve("o.z");
        Path mz = dir.resolve("m.z");
        Result rz = ok(ours(jvm, "--num-threads", "2", "-z", "-d", "1", vmcore, oz.toString()), dir);
        ok(makedumpfile("-z", "-d", "1", vmcore, mz.toString()), dir);
        CollectorHarness.assertSameBytes(mz, oz);
        CollectorHarness.assertPagesFromVmcore(oz, dump.vmcore(), 97);
        System.out.printf(Locale.ROOT, "%s -Xmx64m --num-threads 2 -z -d 1 in %d ms: %d bytes, equal to makedumpfile's%n", dump,
                rz.millis(), Files.size(oz));
        Files.delete(oz);
        Files.delete(mz);
    }

    /**
     * makedumpfile's -d 1 -l file re-filtered by us to -d 31 -z holds the same pages as our direct
     * -d 31 -z of the vmcore, and is byte for byte makedumpfile's own re-filter of its file.
     */
    @Test
    void refiltersMakedumpfilesFile() throws Exception {
        Corpus.Dump dump = Corpus.x86_64Dumps().get(0);
        String vmcore = dump.vmcore().toString();
        Path m1 = dir.resolve("m.d1.l");
        ok(makedumpfile("-d", "1", "-l", vmcore, m1.toString()), dir);
        Path ours = dir.resolve("o.refiltered.z");
        Result r = ok(ours("-d", "31", "-z", m1.toString(), ours.toString()), dir);
        Path direct = dir.resolve("o.direct.z");
        ok(ours("-d", "31", "-z", vmcore, direct.toString()), dir);
        Path theirs = dir.resolve("m.refiltered.z");
        ok(makedumpfile("-d", "31", "-z", m1.toString(), theirs.toString()), dir);

        PageCounts c = CollectorHarness.assertSamePages(direct, ours, 5);
        CollectorHarness.assertSamePages(theirs, ours, 5);
        CollectorHarness.assertSameBytes(theirs, ours);
        try (KdumpVmcore k = KdumpVmcore.open(ours)) {
            assertEquals(31, k.dumpLevel());
        }
        // a lower level than the input's keeps what the input excluded, and says so as makedumpfile does
        Path low = dir.resolve("o.low.z");
        Path mlow = dir.resolve("m.low.z");
        Result lr = ok(ours("-d", "0", "-z", m1.toString(), low.toString()), dir);
        Result ml = ok(makedumpfile("-d", "0", "-z", m1.toString(), mlow.toString()), dir);
        assertTrue(ml.all().contains("dump_level is changed to 1"), ml::toString);
        assertTrue(lr.all().contains("dump_level is changed to 1"), lr::toString);
        CollectorHarness.assertSameBytes(mlow, low);
        System.out.printf(Locale.ROOT, "%s: makedumpfile -d 1 -l (%d bytes) re-filtered to -d 31 -z: %d present pages, as our "
                + "direct -d 31 -z and makedumpfile's re-filter (byte for byte)%n", dump, Files.size(m1), c.present());
        for (Path p : List.of(m1, ours, direct, theirs, low, mlow)) {
            Files.delete(p);
        }
    }
}
