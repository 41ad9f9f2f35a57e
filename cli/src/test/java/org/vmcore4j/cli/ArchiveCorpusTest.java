package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.archive.ArchiveMetadata;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * The collector's {@code --archive} on every corpus dump: GNU tar unpacks it into the same dump as the
 * direct output (same bytes, and the same page map for libkdumpfile) and a metadata file whose fields
 * are the dump's as libkdumpfile reads them; info and triage read the archive in place.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class ArchiveCorpusTest {

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    /**
     * libkdumpfile's utsname (read from init_uts_ns through its own address translation: it fills
     * linux.uts.* only for kdump files) and crash time of a dump, as metadata.txt names them.
     */
    static Map<String, String> oracle(Path dump) throws Exception {
        AnalysisTools.ToolRun r = AnalysisTools.run(List.of(Corpus.systemPython(), "-c", String.join("\n",
                "import sys, kdumpfile",
                "k = kdumpfile.kdumpfile(sys.argv[1])",
                "a = k.attr",
                "a['addrxlat.ostype'] = 'linux'",
                "sym = a['linux.vmcoreinfo.SYMBOL.init_uts_ns']",
                "off = a['linux.vmcoreinfo.OFFSET.uts_namespace.name'] if 'uts_namespace' in a['linux.vmcoreinfo.OFFSET'] else 4",
                "b = k.read(kdumpfile.KDUMP_KVADDR, sym + off, 390)",
                "f = [b[i * 65:(i + 1) * 65].split(b'\\0')[0].decode() for i in range(6)]",
                "for key, i in (('kernel_release', 2), ('kernel_version', 3), ('machine', 4), ('hostname', 1), ('domainname', 5)):",
                "    print(key + '=' + f[i])",
                "print('crash_time=' + a['linux.vmcoreinfo.lines.CRASHTIME'])"), dump.toString()), null,
                java.time.Duration.ofMinutes(2));
        assertTrue(r.ok(), r.describe(2000));
        return parse(r.stdout());
    }

    static Map<String, String> parse(String keyValueLines) {
        Map<String, String> m = new LinkedHashMap<>();
        keyValueLines.lines().forEach(l -> m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return m;
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void kdumpArchiveUnpacksToTheDirectOutputAndIsReadInPlace(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        check(dump, dir, List.of("-d", "31", "-z"), "kdump");
    }

    /** On the first dump only: it adds a minute of CI per dump and exercises the same sink. */
    @org.junit.jupiter.api.Test
    void elfArchiveUnpacksToTheDirectOutput(@TempDir Path dir) throws Exception {
        check(dumps().get(0), dir, List.of("-E", "-d", "31"), "elf");
    }

    private static void check(Corpus.Dump dump, Path dir, List<String> options, String format) throws Exception {
        Path direct = dir.resolve("direct");
        Path archive = dir.resolve("dump.tar");
        List<String> a = new java.util.ArrayList<>(options);
        a.addAll(List.of(dump.vmcore().toString(), direct.toString()));
        CommandLineTest.Run r = CommandLineTest.run(a.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        List<String> b = new java.util.ArrayList<>(options);
        b.addAll(List.of("--archive", dump.vmcore().toString(), archive.toString()));
        r = CommandLineTest.run(b.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("The dumpfile is saved to " + archive + "."), r.out());

        Path unpacked = TriageCorpusTest.untar(archive, dir.resolve("unpacked"));
        Path inner = unpacked.resolve(ArchiveMetadata.DUMP);
        assertArrayEquals(Files.readAllBytes(direct), Files.readAllBytes(inner), "the dump inside the archive");
        AnalysisTools.PageComparison fromDirect = AnalysisTools.comparePages(dump.vmcore(), direct);
        AnalysisTools.PageComparison fromArchive = AnalysisTools.comparePages(dump.vmcore(), inner);
        assertArrayEquals(fromDirect.pagemap(), fromArchive.pagemap());
        assertEquals(List.of(), fromArchive.problems());

        Map<String, String> metadata = parse(Files.readString(unpacked.resolve(ArchiveMetadata.NAME)));
        Map<String, String> expected = oracle(inner);
        expected.forEach((k, v) -> assertEquals(v, metadata.get(k), k));
        assertEquals(format, metadata.get("dump_format"));
        assertEquals(String.join(" ", options) + " --archive", metadata.get("collector_options"));
        if (Files.isRegularFile(ArchiveOutput.OS_RELEASE)) {
            assertArrayEquals(Files.readAllBytes(ArchiveOutput.OS_RELEASE),
                    Files.readAllBytes(unpacked.resolve(ArchiveMetadata.OS_RELEASE)));
        }

        // read in place: info and triage on the archive itself
        String info = CommandLineTest.run("info", "--json", archive.toString()).out();
        assertEquals(expected.get("kernel_release"), TriageCorpusTest.group(info, "\"osRelease\": \"([^\"]*)\""));
        assertTrue(info.contains("\"format\": \"" + format + "\""), info);
        Path bundle = TriageCorpusTest.triage(archive, dir.resolve("bundle.tar.gz"));
        Path files = TriageCorpusTest.untar(bundle, dir.resolve("bundle"));
        assertArrayEquals(TriageCorpusTest.makedumpfileDmesg(dump.vmcore(), dir),
                Files.readAllBytes(files.resolve(TriageCommand.DMESG)));
    }
}
