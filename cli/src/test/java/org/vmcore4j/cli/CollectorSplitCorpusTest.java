package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vmcore4j.cli.CollectorHarness.assertSameBytes;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ok;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6: {@code --split} into three files, each equal to makedumpfile's part; our
 * {@code --reassemble} of them equals our non-split file and {@code makedumpfile --reassemble} of the
 * same parts, byte for byte. Also with {@code --splitblock-size}.
 */
@RequiresCorpus
@RequiresMakedumpfile
class CollectorSplitCorpusTest {
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("split");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            out.add(Arguments.of(d, "default"));
        }
        out.add(Arguments.of(Corpus.x86_64Dumps().get(0), "4096"));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} --splitblock-size {1}")
    @MethodSource("cases")
    void splitAndReassemble(Corpus.Dump dump, String splitblock) throws Exception {
        String vmcore = dump.vmcore().toString();
        List<String> opts = new ArrayList<>(List.of("--split", "-z", "-d", "31"));
        if (!splitblock.equals("default")) {
            opts.addAll(List.of("--splitblock-size", splitblock));
        }
        List<Path> ourParts = List.of(dir.resolve("o.1"), dir.resolve("o.2"), dir.resolve("o.3"));
        List<Path> mdfParts = List.of(dir.resolve("m.1"), dir.resolve("m.2"), dir.resolve("m.3"));
        Result r = ok(ours(args(opts, vmcore, ourParts)), dir);
        assertEquals(true, r.out().contains("The dumpfiles are saved to " + ourParts.get(0) + ", " + ourParts.get(1)
                + ", and " + ourParts.get(2) + "."), r::toString);
        ok(makedumpfile(args(opts, vmcore, mdfParts)), dir);
        for (int i = 0; i < 3; i++) {
            assertSameBytes(mdfParts.get(i), ourParts.get(i));
        }
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(ourParts)) {
            assertEquals(3, set.files().size());
        }

        Path whole = dir.resolve("o.whole");
        ok(ours("-z", "-d", "31", vmcore, whole.toString()), dir);
        Path ourJoin = dir.resolve("o.joined");
        Result j = ok(ours(args(List.of("--reassemble"), null, ourParts, ourJoin)), dir);
        assertEquals(true, j.out().contains("The dumpfile is saved to " + ourJoin + "."), j::toString);
        Path mdfJoin = dir.resolve("m.joined");
        ok(makedumpfile(args(List.of("--reassemble"), null, ourParts, mdfJoin)), dir);
        assertSameBytes(whole, ourJoin);
        assertSameBytes(whole, mdfJoin);
        CollectorHarness.assertPagesFromVmcore(ourJoin, dump.vmcore(), 41);
        System.out.printf(Locale.ROOT, "%s --split (splitblock %s): parts of %d, %d, %d bytes equal makedumpfile's; reassembled "
                + "%d bytes == non-split == makedumpfile --reassemble%n", dump, splitblock,
                Files.size(ourParts.get(0)), Files.size(ourParts.get(1)), Files.size(ourParts.get(2)),
                Files.size(ourJoin));
        CollectorHarness.deleteTree(dir);
        Files.createDirectories(dir);
    }

    private static String[] args(List<String> opts, String vmcore, List<Path> files, Path... more) {
        List<String> a = new ArrayList<>(opts);
        if (vmcore != null) {
            a.add(vmcore);
        }
        files.forEach(p -> a.add(p.toString()));
        for (Path p : more) {
            a.add(p.toString());
        }
        return a.toArray(String[]::new);
    }
}
