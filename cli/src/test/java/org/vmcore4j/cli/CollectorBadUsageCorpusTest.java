package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6: bad (and borderline) command lines give vmcore4j the exit status makedumpfile 1.7.9 gives
 * them, and where makedumpfile leaves no file behind neither does vmcore4j. Each runs in a fresh folder
 * holding one file, {@code x}, which must survive untouched. {@code V} stands for a corpus vmcore.
 * Lines makedumpfile accepts (its atoi reads "a" as 0, strtok skips empty -d items) run with
 * --check-params, so nothing big is written.
 */
@RequiresCorpus
@RequiresMakedumpfile
class CollectorBadUsageCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("bad-usage");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static Stream<Arguments> commandLines() {
        Object[][] table = {
            // command line, makedumpfile's exit status
            {"-c -E V o", 1},
            {"-l -E V o", 1},
            {"-F --split V", 1},
            {"--num-threads 2 --split V o1 o2", 1},
            {"--num-threads 2 -E V o", 1},
            {"--partial-dmesg V o", 1},
            {"-d 32 V o", 1},
            {"-d -1 V o", 1},
            {"-d 1,32 V o", 1},
            {"-L 0 V o", 1},
            {"-L 1x V o", 1},
            {"V", 1},
            {"V o o2", 1},
            {"-d 31 V x", 1},
            {"-R -c o", 1},
            {"-R -d 1 o", 1},
            {"-R o1 o2", 1},
            {"-R", 1},
            {"-R x", 1},
            {"--reassemble o1", 1},
            {"--reassemble -c o1 o2 o3", 1},
            {"--reassemble --dry-run o1 o2 o3", 1},
            {"-d 31 /nonexistent/vmcore o", 1},
            {"--dump-dmesg /nonexistent/vmcore o", 1},
            {"--dry-run --dump-dmesg V o", 1},
            {"--dump-dmesg V", 1},
            {"--dump-dmesg -R V o", 1},
            {"--split V o1", 1},
            {"--split -E V o1 o2 o3", 1},
            {"--split --splitblock-size 5 -d 31 V o1 o2 o3", 1},
            {"-F V o", 1},
            {"-F -E -c V", 1},
            {"--message-level 32 V o", 1},
            {"--no-such-option V o", 1},
            {"--work-dir /nonexistent V o", 1},
            {"-x /nonexistent/vmlinux V o", 1},
            {"--check-params -c -E V o", 1},
            {"-e -d 31 V o", 1}, // -e requires --work-dir
            {"-e -E -d 31 V o", 1},
            {"-e --split -d 31 V o1 o2", 1},
            {"--check-params -e -d 31 V o", 1},
            {"--mem-usage", 1},
            {"--mem-usage /nonexistent/vmcore", 1},
            // accepted by makedumpfile: status 0, no file with --check-params
            {"--check-params -c -d 31 V o", 0},
            {"--check-params -d a V o", 0},
            {"--check-params -d 31, V o", 0},
            {"--check-params -d 1,2,3,4,5,6,7,8,9,31 V o", 0},
            {"--check-params --num-threads a -l V o", 0},
            {"--check-params --split --splitblock-size 0 V o1 o2", 0},
            {"--check-params --cyclic-buffer 100000000 V o", 0},
            {"--check-params -e --work-dir . -d 31 V o", 0},
            {"--check-params --mem-usage V", 0},
        };
        return Stream.of(table).map(r -> Arguments.of(r[0], r[1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandLines")
    void sameExitStatusAsMakedumpfile(String line, int expected) throws Exception {
        String vmcore = Corpus.x86_64Dumps().get(0).vmcore().toString();
        List<String> args = new ArrayList<>();
        for (String w : line.split(" ")) {
            args.add(w.equals("V") ? vmcore : w);
        }
        String name = line.replaceAll("[^A-Za-z0-9]", "_");
        Path md = Files.createDirectories(dir.resolve("m" + name));
        Path od = Files.createDirectories(dir.resolve("o" + name));
        Files.writeString(md.resolve("x"), "keep");
        Files.writeString(od.resolve("x"), "keep");
        String[] a = args.toArray(String[]::new);
        CompletableFuture<Result> m = CompletableFuture.supplyAsync(() -> run(CollectorHarness.makedumpfile(a), md));
        // these runs end before any page is read: C1 only and class-data sharing halve the JVM's start
        Result o = run(CollectorHarness.ours(List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto"), a), od);
        Result mr = m.join();
        assertEquals(expected, mr.status(), () -> "makedumpfile " + line + "\n" + mr);
        assertEquals(mr.status(), o.status(), () -> "vmcore4j " + line + " (makedumpfile: " + mr.status() + ")\n" + o);
        assertEquals(List.of("x"), CollectorHarness.files(md), "makedumpfile leaves no file behind");
        assertEquals(List.of("x"), CollectorHarness.files(od), "vmcore4j leaves no file behind");
        assertEquals("keep", Files.readString(od.resolve("x")));
        System.out.printf(Locale.ROOT, "%-50s makedumpfile %d, vmcore4j %d: %s%n", line, mr.status(), o.status(),
                o.all().lines().filter(s -> !s.isBlank()).findFirst().orElse(""));
    }

    private static Result run(List<String> cmd, Path cwd) {
        try {
            return CollectorHarness.run(cmd, cwd);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
