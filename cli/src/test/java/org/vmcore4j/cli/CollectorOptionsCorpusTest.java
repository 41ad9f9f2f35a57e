package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ok;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmcore4j.cli.CollectorHarness.PageCounts;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6, the collector: each makedumpfile option, run as a process on the first corpus dump beside
 * makedumpfile 1.7.9 with the same options. Both must succeed; the outputs must hold the same page set
 * (every PFN's status through our reader, and the bytes of a sample); where vmcore4j's writer is
 * byte-identical to makedumpfile's (zlib, LZO, snappy, zstd, ELF) the files must be equal; and
 * python3-libkdumpfile must read our file's pages as the vmcore's.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class CollectorOptionsCorpusTest {
    private static Path dir;
    private static Corpus.Dump dump;
    private static Path vmcore;

    @BeforeAll
    static void setUp() throws IOException {
        dir = CollectorHarness.workDir("options");
        dump = Corpus.x86_64Dumps().get(0);
        vmcore = dump.vmcore();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        CollectorHarness.deleteTree(dir);
    }

    /** Runs both tools with {@code options} on the vmcore into m.NAME and o.NAME; both must succeed. */
    private static Path[] both(String name, List<String> options) throws Exception {
        Path m = dir.resolve("m." + name);
        Path o = dir.resolve("o." + name);
        Files.deleteIfExists(m);
        Files.deleteIfExists(o);
        List<String> a = new ArrayList<>(options);
        a.add(vmcore.toString());
        ok(makedumpfile(with(a, m)), dir);
        Result r = ok(ours(with(a, o)), dir);
        assertTrue(r.out().contains("The dumpfile is saved to " + o + "."), r::toString);
        assertTrue(r.out().contains("vmcore4j Completed."), r::toString);
        return new Path[] {m, o};
    }

    private static String[] with(List<String> args, Path last) {
        List<String> l = new ArrayList<>(args);
        l.add(last.toString());
        return l.toArray(String[]::new);
    }

    private static void report(String what, PageCounts c, Path o) {
        System.out.printf(Locale.ROOT, "%s: %d PFNs, %d present, %d excluded, %d not RAM, %d lost; %d page contents compared;"
                + " %d bytes%n", what, c.endPfn(), c.present(), c.excluded(), c.notRam(), c.lost(), c.bytesCompared(),
                CollectorHarness.size(o));
    }

    /** -c -l -p -z at -d 31: same page set, and byte for byte makedumpfile's file; libkdumpfile reads ours. */
    @ParameterizedTest
    @ValueSource(strings = {"-c", "-l", "-p", "-z"})
    void compressionOptions(String codec) throws Exception {
        Path[] f = both("d31" + codec, List.of(codec, "-d", "31"));
        PageCounts c = CollectorHarness.assertSamePages(f[0], f[1], 7);
        report(dump + " " + codec + " -d 31", c, f[1]);
        try (KdumpVmcore k = KdumpVmcore.open(f[1])) {
            assertEquals(31, k.dumpLevel());
            assertFalse(k.incomplete());
        }
        CollectorHarness.assertSameBytes(f[0], f[1]);
        CollectorHarness.assertPagesFromVmcore(f[1], vmcore, 31);
        CollectorHarness.assertLibkdumpfileReads(f[1], vmcore, 200);
        if (codec.equals("-z") && baseline == null) { // the same command as the baselines: keep them
            baseline = f[1];
            mdfBaseline = f[0];
            return;
        }
        Files.delete(f[0]);
        Files.delete(f[1]);
    }

    static Stream<Arguments> neutralOptions() {
        return Stream.of(
                Arguments.of("-d 31,1 (a comma list) and -f over an existing file", List.of("-f", "-d", "31,1")),
                Arguments.of("-b 8 --cyclic-buffer 1024", List.of("-b", "8", "--cyclic-buffer", "1024", "-d", "31")),
                Arguments.of("--work-dir", List.of("--work-dir", "WORKDIR", "-d", "31")),
                Arguments.of("-D --message-level 31", List.of("-D", "--message-level", "31", "-d", "31")),
                Arguments.of("--non-mmap --message-level 0", List.of("--non-mmap", "--message-level", "0", "-d", "31")),
                Arguments.of("--num-threads 2", List.of("--num-threads", "2", "-d", "31")));
    }

    /**
     * Options that tune how the dump is made, not what it holds: with -z, our file equals makedumpfile's
     * with the same options page for page and byte for byte, and equals our file without the option.
 * With --work-dir both tools build the bitmaps in one pass and keep the partial RAM page at the
     * end of a memory range (PFN 159 on x86_64) that the default, cyclic mode leaves out: there our
     * file equals makedumpfile's with --work-dir, and differs from the default file in such pages only.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("neutralOptions")
    void optionsThatKeepTheDump(String name, List<String> options) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> a = new ArrayList<>();
        a.add("-z");
        for (String s : options) {
            a.add(s.equals("WORKDIR") ? work.toString() : s);
        }
        String file = name.replaceAll("[^A-Za-z0-9]", "");
        Path m = dir.resolve("m." + file);
        Path o = dir.resolve("o." + file);
        if (options.contains("-f")) {
            Files.writeString(m, "an older dump");
            Files.writeString(o, "an older dump");
        }
        a.add(vmcore.toString());
        Result mr = ok(makedumpfile(with(a, m)), dir);
        Result or = ok(ours(with(a, o)), dir);
        if (options.contains("-D")) {
            assertTrue(mr.all().contains("Original pages") && or.all().contains("Original pages"), or::toString);
            assertEquals(reportBlock(mr.all()), reportBlock(or.all()));
        }
        if (options.contains("0")) {
            assertEquals("", mr.all(), "makedumpfile --message-level 0");
            assertEquals("", or.all(), "vmcore4j --message-level 0 prints nothing, as makedumpfile");
        }
        if (options.contains("WORKDIR")) {
            PageCounts c = CollectorHarness.assertSamePages(m, o, 13);
            report(dump + " -z " + name, c, o);
            CollectorHarness.assertSameBytes(m, o);
            List<Long> diff = CollectorHarness.statusDifferences(baseline(), o);
            System.out.println("--work-dir (one pass) keeps PFNs " + diff + " that the cyclic default omits");
            assertTrue(!diff.isEmpty() && diff.size() <= 4, diff::toString);
            try (org.vmcore4j.core.Vmcore ov = org.vmcore4j.core.Vmcore.open(o)) {
                for (long pfn : diff) {
                    assertEquals(org.vmcore4j.core.PageStatus.PRESENT, ov.physicalMemory().status(pfn));
                }
            }
        } else {
            PageCounts c = CollectorHarness.assertSamePages(m, o, 13);
            report(dump + " -z " + name, c, o);
            CollectorHarness.assertSameBytes(m, o);
        }
        if (!options.contains("WORKDIR")) {
            CollectorHarness.assertSameBytes(baseline(), o);
        }
        assertEquals(List.of(), CollectorHarness.files(work), "--work-dir: vmcore4j leaves nothing behind");
        Files.delete(m);
        Files.delete(o);
    }

    private static Path baseline;
    private static Path mdfBaseline;

    /** Our {@code -z -d 31} file, made once (or kept from {@link #compressionOptions}). */
    private static synchronized Path baseline() throws Exception {
        if (baseline == null) {
            Path b = dir.resolve("baseline.z");
            ok(ours("-z", "-d", "31", vmcore.toString(), b.toString()), dir);
            baseline = b;
        }
        return baseline;
    }

    /** makedumpfile's {@code -z -d 31} file, made once. */
    private static synchronized Path mdfBaseline() throws Exception {
        if (mdfBaseline == null) {
            Path b = dir.resolve("mdf-baseline.z");
            ok(makedumpfile("-z", "-d", "31", vmcore.toString(), b.toString()), dir);
            mdfBaseline = b;
        }
        return mdfBaseline;
    }

    /** -E at -d 31: byte for byte makedumpfile's ELF file; libkdumpfile reads it. */
    @Test
    void elf() throws Exception {
        Path[] f = both("elf", List.of("-E", "-d", "31"));
        PageCounts c = CollectorHarness.assertSamePages(f[0], f[1], 7);
        report(dump + " -E -d 31", c, f[1]);
        CollectorHarness.assertSameBytes(f[0], f[1]);
        CollectorHarness.assertLibkdumpfileReads(f[1], vmcore, 200);
        Files.delete(f[0]);
        Files.delete(f[1]);
    }

    /** --dry-run with --message-level 16: no file, the same report as makedumpfile's. */
    @Test
    void dryRunReportsAsMakedumpfileAndWritesNothing() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("dry"));
        Result m = ok(makedumpfile("--dry-run", "--message-level", "16", "-d", "31", vmcore.toString(), "out"), sub);
        Result o = ok(ours("--dry-run", "--message-level", "16", "-d", "31", vmcore.toString(), "out"), sub);
        assertEquals(List.of(), CollectorHarness.files(sub));
        assertEquals(reportBlock(m.all()), reportBlock(o.all()));
        System.out.println("--dry-run report, equal to makedumpfile's:\n" + reportBlock(o.all()));
    }

    private static String reportBlock(String text) {
        int a = text.indexOf("Original pages");
        int b = text.indexOf('\n', text.indexOf("Total pages", a));
        assertTrue(a >= 0 && b > a, () -> "no report in:\n" + text);
        return text.substring(a, b + 1);
    }

    /** --check-params: status 0, nothing written, for a valid command line; 1 for an invalid one. */
    @Test
    void checkParams() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("check"));
        for (String[] args : List.of(new String[] {"--check-params", "-c", "-d", "31", vmcore.toString(), "out"},
                new String[] {"--check-params", "-E", "-c", vmcore.toString(), "out"})) {
            Result m = CollectorHarness.run(makedumpfile(args), sub);
            Result o = CollectorHarness.run(ours(args), sub);
            assertEquals(m.status(), o.status(), () -> String.join(" ", args) + "\n" + o);
            assertEquals(List.of(), CollectorHarness.files(sub));
        }
    }

    /** -v and -h succeed (status 0) as makedumpfile's, -v naming the version. */
    @Test
    void versionAndHelp() throws Exception {
        Result mv = ok(makedumpfile("-v"), dir);
        Result ov = ok(ours("-v"), dir);
        assertTrue(mv.all().contains("makedumpfile: version"), mv::toString);
        assertTrue(ov.all().startsWith("vmcore4j: version"), ov::toString);
        Result mh = ok(makedumpfile("-h"), dir);
        Result oh = ok(ours("-h"), dir);
        for (String opt : List.of("--split", "--reassemble", "--num-threads", "--dump-dmesg", "--message-level",
                "--cyclic-buffer", "--non-mmap", "--dry-run", "-L")) {
            assertTrue(mh.all().contains(opt), opt);
            assertTrue(oh.all().contains(opt), () -> "vmcore4j -h does not mention " + opt + ":\n" + oh);
        }
    }

    /** --dump-dmesg as a process: the same log file as makedumpfile's, status 0. */
    @Test
    void dumpDmesg() throws Exception {
        Path m = dir.resolve("m.dmesg");
        Path o = dir.resolve("o.dmesg");
        ok(makedumpfile("--dump-dmesg", vmcore.toString(), m.toString()), dir);
        Result r = ok(ours("--dump-dmesg", vmcore.toString(), o.toString()), dir);
        assertTrue(r.out().contains("The dmesg log is saved to " + o + "."), r::toString);
        assertArrayEquals(Files.readAllBytes(m), Files.readAllBytes(o));
        assertTrue(Files.size(o) > 1000);
    }
}
