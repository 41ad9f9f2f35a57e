package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.testdata.RequiresVmlinux;
import org.vmcore4j.filter.PageFilter;

/**
 * vmcore4j's opt-in LZ4 dumps: written from the corpus, read back page for page, refused cleanly
 * (an error when opening, never wrong data) by libkdumpfile, makedumpfile and crash, and converted
 * offline to a standard codec; the converted file is byte for byte the file a direct -z run writes,
 * so nothing of the LZ4 detour is visible to crash or libkdumpfile.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
@RequiresVmlinux
@RequiresCommand("crash")
class Lz4ConversionTest {

    static java.util.List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void lz4DumpConvertsToTheDirectZstdFile(Corpus.Dump d) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "lz4"));
        Path lz4 = dir.resolve(d.name() + ".lz4.kdump");
        Path converted = dir.resolve(d.name() + ".converted.kdump");
        Path direct = dir.resolve(d.name() + ".direct.kdump");
        try (Vmcore vmcore = Vmcore.open(d.vmcore())) {
            try (DumpSink s = DumpSink.toFile(lz4)) {
                KdumpCollector.write(vmcore, PageFilter.forLevel(31),
                        KdumpCollector.Options.of(Compression.LZ4).withWorkers(2), s, CollectorListener.NONE);
            }
            try (DumpSink s = DumpSink.toFile(direct)) {
                KdumpCollector.write(vmcore, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZSTD), s,
                        CollectorListener.NONE);
            }
            long pages;
            try (KdumpVmcore k = KdumpVmcore.open(lz4)) {
                assertEquals(Compression.LZ4, k.header().compression());
                pages = ElfPagesCheck.assertDumpablePagesEqual(k, vmcore, 2000);
                try (DumpSink s = DumpSink.toFile(converted)) {
                    KdumpCollector.write(k, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZSTD), s,
                            CollectorListener.NONE);
                }
            }
            String refusals = assertOtherToolsRefuse(d, lz4);
            long mismatch = KdumpComparison.firstDifference(direct, converted);
            assertTrue(mismatch < 0, () -> {
                try {
                    return KdumpComparison.describe(direct, converted, mismatch);
                } catch (Exception e) {
                    return e.toString();
                }
            });
            System.out.printf(Locale.ROOT, "%-16s -d 31: LZ4 file %,d bytes (zstd %,d), %,d pages equal to the vmcore; %s; converted "
                    + "to -z byte-identical to the direct -z file%n", d.name(), Files.size(lz4), Files.size(direct),
                    pages, refusals);
        } finally {
            Files.deleteIfExists(lz4);
            Files.deleteIfExists(converted);
            Files.deleteIfExists(direct);
        }
    }

    /** libkdumpfile, makedumpfile and (where it reads the kernel) crash refuse the file when opening it. */
    static String assertOtherToolsRefuse(Corpus.Dump d, Path lz4) throws Exception {
        StringBuilder sb = new StringBuilder();
        AnalysisTools.ToolRun lib = AnalysisTools.run(java.util.List.of(Corpus.systemPython(), "-c",
                "import kdumpfile, sys\ntry:\n    kdumpfile.kdumpfile(sys.argv[1])\nexcept Exception as e:\n"
                        + "    print('refused:', type(e).__name__, e); sys.exit(3)\nprint('opened')",
                lz4.toString()), null, java.time.Duration.ofMinutes(1));
        assertEquals(3, lib.exitCode(), "libkdumpfile must refuse an LZ4 file: " + lib.describe(2000));
        sb.append("libkdumpfile: ").append(lib.stdout().strip());
        Path out = lz4.resolveSibling(lz4.getFileName() + ".mdf");
        AnalysisTools.ToolRun mdf = AnalysisTools.makedumpfile(java.util.List.of("-d", "31", "-z", lz4.toString(),
                out.toString()), null);
        Files.deleteIfExists(out);
        assertTrue(mdf.exitCode() != 0, "makedumpfile must refuse an LZ4 file: " + mdf.describe(2000));
        sb.append("; makedumpfile: exit ").append(mdf.exitCode());
        if (d.param("kernel").map("6.1"::equals).orElse(false)) {
            AnalysisTools.CrashResult c = AnalysisTools.crash(AnalysisTools.requireVmlinux(d), lz4,
                    java.util.List.of("sys"));
            String all = c.run().stdout() + c.run().stderr();
            assertTrue(c.run().exitCode() != 0 && all.contains("not a supported file format"),
                    "crash must refuse an LZ4 file: " + c.run().describe(2000));
            sb.append("; crash: \"not a supported file format\", exit ").append(c.run().exitCode());
        }
        return sb.toString();
    }
}
