package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #17: every command that reads a dump takes all parts of a split set, and {@code -} for a
 * flattened stream on standard input. makedumpfile 1.7.9 writes one crash three ways at
 * {@code -l -d 31}: one file, a {@code --split} set of three, and {@code -F} (fed to standard input);
 * {@code info}, {@code read}, {@code dmesg}, {@code triage}, {@code --dump-dmesg} and the collector
 * give the same output for each as for the one file (apart from the lines naming the input).
 */
@RequiresCorpus
@RequiresMakedumpfile
class SplitAndStdinInputCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("split-and-stdin");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    record Run(int status, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    /** In process, as the jar's main runs it, with {@code stdin} (a file, or nothing) as standard input. */
    static Run run(Path stdin, List<String> args) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = stdin != null ? Files.newInputStream(stdin) : InputStream.nullInputStream()) {
            int status = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), in);
            return new Run(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** The three inputs: how each names the dump on a command line, and what feeds standard input. */
    record Input(String name, List<String> args, Path stdin) {
        List<String> with(List<String> before, List<String> after) {
            List<String> all = new ArrayList<>(before);
            all.addAll(args);
            all.addAll(after);
            return all;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyCommandReadsASplitSetAndAFlattenedStreamAsTheWholeFile(Corpus.Dump dump) throws Exception {
        String vmcore = dump.vmcore().toString();
        Path whole = dir.resolve(dump.name() + ".kdump");
        List<Path> parts = List.of(dir.resolve(dump.name() + ".s1"), dir.resolve(dump.name() + ".s2"),
                dir.resolve(dump.name() + ".s3"));
        Path flat = dir.resolve(dump.name() + ".flat");
        List<String> split = new ArrayList<>(List.of("--split", "-l", "-d", "31", vmcore));
        parts.forEach(p -> split.add(p.toString()));
        CollectorHarness.ok(CollectorHarness.makedumpfile("-l", "-d", "31", vmcore, whole.toString()), dir);
        CollectorHarness.ok(CollectorHarness.makedumpfile(split.toArray(String[]::new)), dir);
        CollectorHarness.Result f = CollectorHarness.run(CollectorHarness.makedumpfile("-F", "-l", "-d", "31", vmcore),
                dir, null, flat);
        assertEquals(0, f.status(), f::toString);

        Input one = new Input("one file", List.of(whole.toString()), null);
        List<Input> others = List.of(
                new Input("split set", List.of(parts.get(2).toString(), parts.get(0).toString(), parts.get(1).toString()), null),
                new Input("flattened stream on standard input", List.of("-"), flat));

        // info: the first line names the input (file, format, size); every other line is the dump's
        Run info = run(null, one.with(List.of("info"), List.of()));
        assertEquals(0, info.status(), info.err());
        for (Input in : others) {
            Run r = run(in.stdin(), in.with(List.of("info"), List.of()));
            assertEquals(0, r.status(), in.name() + ": " + r.err());
            assertEquals(withoutFirstLine(info.text()), withoutFirstLine(r.text()), in.name());
        }

        // read: a sample of physical and kernel-virtual reads, excluded pages included
        Path requests = dir.resolve(dump.name() + ".requests");
        try (Vmcore e = Vmcore.open(dump.vmcore()); Vmcore w = Vmcore.open(whole)) {
            Files.write(requests, ReadSample.of(e, w, 1000, dump.name().hashCode()).lines);
        }
        Run read = run(null, one.with(List.of("read", "--addresses", requests.toString()), List.of()));
        assertTrue(read.status() == ReadFailure.EXCLUDED.exitStatus() || read.status() == ReadFailure.NOT_PRESENT.exitStatus(),
                read.err());
        for (Input in : others) {
            Run r = run(in.stdin(), in.with(List.of("read", "--addresses", requests.toString()), List.of()));
            assertEquals(read.status(), r.status(), in.name());
            assertArrayEquals(read.out(), r.out(), in.name());
            assertEquals(failures(read.err()), failures(r.err()), in.name());
        }

        // dmesg, and --dump-dmesg into a file (also equal to makedumpfile's from the vmcore)
        Path theirLog = dir.resolve(dump.name() + ".makedumpfile.log");
        CollectorHarness.ok(CollectorHarness.makedumpfile("--dump-dmesg", vmcore, theirLog.toString()), dir);
        Run dmesg = run(null, one.with(List.of("dmesg"), List.of()));
        assertEquals(0, dmesg.status(), dmesg.err());
        for (Input in : List.of(one, others.get(0), others.get(1))) {
            Run r = run(in.stdin(), in.with(List.of("dmesg"), List.of()));
            assertArrayEquals(dmesg.out(), r.out(), in.name());
            Path log = dir.resolve(dump.name() + ".log");
            Files.deleteIfExists(log);
            Run d = run(in.stdin(), in.with(List.of("--dump-dmesg"), List.of(log.toString())));
            assertEquals(0, d.status(), in.name() + ": " + d.err());
            assertArrayEquals(Files.readAllBytes(theirLog), Files.readAllBytes(log), in.name());
        }

        // triage: every member the same, but info.json and README.txt's first line, which name the input
        Map<String, byte[]> bundle = null;
        for (Input in : List.of(one, others.get(0), others.get(1))) {
            Path out = dir.resolve(dump.name() + ".tar.gz");
            Files.deleteIfExists(out);
            Run t = run(in.stdin(), in.with(List.of("triage"), List.of(out.toString())));
            assertEquals(0, t.status(), in.name() + ": " + t.err());
            Map<String, byte[]> members = tarMembers(out);
            members.remove(TriageCommand.INFO);
            String readme = new String(members.get(TriageCommand.README), StandardCharsets.UTF_8);
            members.put(TriageCommand.README, withoutFirstLine(readme).getBytes(StandardCharsets.UTF_8));
            assertTrue(members.containsKey(TriageCommand.DMESG), in.name() + ": " + members.keySet());
            if (bundle == null) {
                bundle = members;
            } else {
                assertEquals(bundle.keySet(), members.keySet(), in.name());
                for (String m : bundle.keySet()) {
                    assertArrayEquals(bundle.get(m), members.get(m), in.name() + ": " + m);
                }
            }
        }

        // the collector: the same -l -d 31 file from each input
        Path reference = dir.resolve(dump.name() + ".ours");
        for (Input in : List.of(one, others.get(0), others.get(1))) {
            Path out = in == one ? reference : dir.resolve(dump.name() + ".ours.again");
            Files.deleteIfExists(out);
            Run c = run(in.stdin(), in.with(List.of("-l", "-d", "31"), List.of(out.toString())));
            assertEquals(0, c.status(), in.name() + ": " + c.err() + c.text());
            if (in != one) {
                CollectorHarness.assertSameBytes(reference, out);
            }
        }
    }

    private static String withoutFirstLine(String text) {
        return text.substring(text.indexOf('\n') + 1);
    }

    /** Each failure's address, address space and reason (the detail names the input file). */
    private static List<String> failures(String err) {
        return err.lines().map(l -> l.replaceFirst("^(vmcore4j: read failed at 0x[0-9a-f]+ \\([a-z ]+\\): [^:]+): .*$", "$1"))
                .toList();
    }

    /** The members of a tar.gz (ustar: 512-byte headers, the size in octal at offset 124). */
    private static Map<String, byte[]> tarMembers(Path tgz) throws IOException {
        byte[] tar;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz))) {
            tar = in.readAllBytes();
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        int pos = 0;
        while (pos + 512 <= tar.length && tar[pos] != 0) {
            String name = new String(tar, pos, 100, StandardCharsets.US_ASCII).replace("\0", "");
            long size = Long.parseLong(new String(tar, pos + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            out.put(name, Arrays.copyOfRange(tar, pos + 512, pos + 512 + (int) size));
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        return out;
    }
}
