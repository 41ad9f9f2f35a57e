package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.ok;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.MemoryUsage;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6, {@code --mem-usage VMCORE}: the table vmcore4j prints on standard output is makedumpfile
 * 1.7.9's, character for character, on both corpus dumps; the library's {@link MemoryUsage} has the
 * same figures. makedumpfile first requires a "Crash kernel" range in /proc/iomem; this machine has
 * none, so makedumpfile runs in a private mount namespace where a two-line /proc/iomem is bound over
 * the real one (the range does not change its figures: see {@link MemoryUsage}). Where that namespace
 * cannot be made (not root), the test is skipped, or fails with {@code VMCORE4J_REQUIRE_CORPUS=1}.
 */
@RequiresCorpus
@RequiresMakedumpfile
class MemUsageCorpusTest {
    private static final String FAKE_IOMEM = "00001000-0009fbff : System RAM\n01000000-10ffffff : Crash kernel\n";
    private static final Pattern ROW = Pattern.compile("^([A-Z_]+)\\t+(\\d+) +\\t(yes|no)\\t\\t", Pattern.MULTILINE);
    private static Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        dir = CollectorHarness.workDir("mem-usage");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        CollectorHarness.deleteTree(dir);
    }

    /** makedumpfile --mem-usage with a /proc/iomem that shows a crashkernel reservation. */
    private static Result makedumpfileWithReservation(Path vmcore) throws Exception {
        Path iomem = Files.writeString(dir.resolve("iomem"), FAKE_IOMEM);
        Result r = CollectorHarness.run(List.of("unshare", "-m", "sh", "-c",
                "mount --bind \"$0\" /proc/iomem && exec \"$1\" --mem-usage \"$2\"", iomem.toString(),
                Corpus.requireMakedumpfile().toString(), vmcore.toString()), dir);
        if (r.status() != 0 && (r.err().contains("unshare") || r.err().contains("mount"))) {
            Prerequisites.assumePresent(false, "cannot run makedumpfile --mem-usage in a private mount namespace "
                    + "with a crashkernel range in /proc/iomem (needs root): " + r.err().strip());
        }
        assertEquals(0, r.status(), r::toString);
        return r;
    }

    /** The table's rows by type, then "pages" and "bytes" of the totals. */
    private static Map<String, Long> figures(String table) {
        Map<String, Long> f = new LinkedHashMap<>();
        Matcher m = ROW.matcher(table);
        while (m.find()) {
            f.put(m.group(1), Long.parseLong(m.group(2)));
        }
        Matcher pages = Pattern.compile("Total pages on system:\\t(\\d+)").matcher(table);
        Matcher bytes = Pattern.compile("Total size on system:\\t(\\d+) +Byte").matcher(table);
        assertTrue(pages.find() && bytes.find(), () -> "no totals in:\n" + table);
        f.put("pages", Long.parseLong(pages.group(1)));
        f.put("bytes", Long.parseLong(bytes.group(1)));
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.vmcore4j.testdata.Corpus#x86_64Dumps")
    void sameTableAsMakedumpfile(Corpus.Dump dump) throws Exception {
        Result m = makedumpfileWithReservation(dump.vmcore());
        Result o = ok(ours("--mem-usage", dump.vmcore().toString()), dir);
        assertEquals(m.out(), o.out(), "the table on standard output");
        assertEquals("", o.err(), "nothing on standard error");
        assertTrue(o.out().startsWith("\nTYPE\t\tPAGES\t\t\tEXCLUDABLE\tDESCRIPTION\n"), o::toString);
        assertTrue(o.out().endsWith(" Byte\n\n"), "a blank line and no 'Completed' line after the table");

        Map<String, Long> f = figures(o.out());
        assertEquals(List.of("ZERO", "NON_PRI_CACHE", "PRI_CACHE", "USER", "FREE", "KERN_DATA", "pages", "bytes"),
                List.copyOf(f.keySet()));
        long sum = f.get("ZERO") + f.get("NON_PRI_CACHE") + f.get("PRI_CACHE") + f.get("USER") + f.get("FREE")
                + f.get("KERN_DATA");
        assertEquals(f.get("pages"), sum, "the classes add up to the pages on the system (no hwpoison, no offline)");
        assertEquals(f.get("pages") * 4096, f.get("bytes"));
        // the corpus guests held 256 MiB of anonymous memory (a quarter of it zeros) and page cache
        // (testdata/tools/README.md): every class is substantial
        for (String type : List.of("ZERO", "NON_PRI_CACHE", "PRI_CACHE", "USER", "FREE", "KERN_DATA")) {
            assertTrue(f.get(type) > 1000, type + " " + f.get(type));
        }
        assertTrue(f.get("USER") > 200L * 256, "USER holds the anonymous memory: " + f.get("USER"));

        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            MemoryUsage u = MemoryUsage.of(v);
            assertEquals(List.of(f.get("ZERO"), f.get("NON_PRI_CACHE"), f.get("PRI_CACHE"), f.get("USER"),
                    f.get("FREE"), f.get("KERN_DATA"), f.get("pages"), f.get("bytes")),
                    List.of(u.zeroPages(), u.cachePages(), u.cachePrivatePages(), u.userPages(), u.freePages(),
                            u.kernelDataPages(), u.totalPages(), u.totalBytes()), "the library's figures");
        }
        System.out.printf(Locale.ROOT, "%s --mem-usage, the same table as makedumpfile's: ZERO %d, NON_PRI_CACHE %d, PRI_CACHE %d, "
                + "USER %d, FREE %d, KERN_DATA %d; %d pages, %d bytes on the system (%d ms, makedumpfile %d ms)%n",
                dump, f.get("ZERO"), f.get("NON_PRI_CACHE"), f.get("PRI_CACHE"), f.get("USER"), f.get("FREE"),
                f.get("KERN_DATA"), f.get("pages"), f.get("bytes"), o.millis(), m.millis());
    }

    /**
     * Without a crashkernel reservation makedumpfile refuses ("No memory is reserved for crashkernel!");
     * vmcore4j, which does not need one, prints the table. Where this machine's /proc/iomem shows a
     * reservation, makedumpfile runs in a private mount namespace with an /proc/iomem that shows none.
     */
    @Test
    void noReservationNeeded() throws Exception {
        Path iomem = Path.of("/proc/iomem");
        Path vmcore = Corpus.x86_64Dumps().get(0).vmcore();
        boolean reserved = !Files.isReadable(iomem) || Files.readString(iomem).contains("Crash kernel");
        List<String> cmd = CollectorHarness.makedumpfile("--mem-usage", vmcore.toString());
        if (reserved) {
            Path none = Files.writeString(dir.resolve("iomem-without-reservation"), "00001000-0009fbff : System RAM\n");
            cmd = List.of("unshare", "-m", "sh", "-c", "mount --bind \"$0\" /proc/iomem && exec \"$1\" --mem-usage \"$2\"",
                    none.toString(), Corpus.requireMakedumpfile().toString(), vmcore.toString());
        }
        Result m = CollectorHarness.run(cmd, dir);
        if (reserved && m.status() != 0 && (m.err().contains("unshare") || m.err().contains("mount"))) {
            Prerequisites.assumePresent(false, "this machine reserves memory for a crash kernel, and hiding it from "
                    + "makedumpfile in a private mount namespace needs root: " + m.err().strip());
        }
        assertEquals(1, m.status(), m::toString);
        assertTrue(m.err().contains("No memory is reserved for crashkernel!"), m::toString);
        Result o = ok(ours("--mem-usage", vmcore.toString()), dir);
        assertTrue(o.out().contains("KERN_DATA\t"), o::toString);
        System.out.println("no crashkernel reservation here: makedumpfile --mem-usage fails ("
                + m.err().strip() + "), vmcore4j prints the table");
    }
}
