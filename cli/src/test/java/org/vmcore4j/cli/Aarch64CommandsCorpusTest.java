package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresAarch64Corpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfileArm64;

/**
 * The commands on the aarch64 corpus dumps, run on this x86_64 host: {@code --dump-dmesg} gives
 * the bytes of the aarch64 reference makedumpfile (upstream b7587f1) on the 48-bit dump, and on the
 * 52-bit one, which no makedumpfile reads, the whole log through the sysrq panic; every writer's
 * {@code -d 31} output is opened by libkdumpfile with every page it holds equal to the vmcore's;
 * {@code -e} leaves out vmemmap pages of excluded frames only.
 */
@RequiresAarch64Corpus
class Aarch64CommandsCorpusTest {
    private static final Pattern CONSOLE_LINE = Pattern.compile("^\\[\\s*(\\d+\\.\\d{6})\\] (.*)$");
    /** The caller field ({@code [    T250]}, {@code [     C1]}) the log has and the console does not print. */
    private static final Pattern CALLER = Pattern.compile("^(\\[\\s*\\d+\\.\\d{6}\\]) \\[\\s*[TC]\\d+\\] ");

    static List<Corpus.Dump> dumps() {
        return Corpus.aarch64Dumps();
    }

    static Corpus.Dump dump(boolean va48) {
        return dumps().stream().filter(d -> Corpus.booted48Bit(d) == va48).findFirst().orElseThrow();
    }

    @org.junit.jupiter.api.Test
    @RequiresMakedumpfileArm64
    void dmesgOfThe48BitDumpEqualsTheReferenceMakedumpfiles(@TempDir Path dir) throws Exception {
        Corpus.Dump d = dump(true);
        Path theirs = dir.resolve("makedumpfile.txt");
        Process p = new ProcessBuilder(Corpus.makedumpfileArm64().orElseThrow().toString(), "--dump-dmesg",
                d.vmcore().toString(), theirs.toString()).redirectErrorStream(true).start();
        String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "makedumpfile timed out");
        assertEquals(0, p.exitValue(), messages);
        Path ours = dir.resolve("vmcore4j.txt");
        CommandLineTest.Run r = CommandLineTest.run("--dump-dmesg", d.vmcore().toString(), ours.toString());
        assertEquals(0, r.status(), r.err());
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
        assertSysrqPanicEnds(Files.readString(ours, StandardCharsets.ISO_8859_1), d);
        System.out.printf(Locale.ROOT, "%s: --dump-dmesg equals makedumpfile b7587f1's, %,d bytes%n", d.name(), Files.size(ours));
    }

    /** No makedumpfile reads the 52-bit dump: the log must hold what the console showed, through the panic. */
    @org.junit.jupiter.api.Test
    void dmesgOfThe52BitDumpIsCompleteThroughTheSysrqPanic(@TempDir Path dir) throws Exception {
        Corpus.Dump d = dump(false);
        Path ours = dir.resolve("vmcore4j.txt");
        CommandLineTest.Run r = CommandLineTest.run("--dump-dmesg", d.vmcore().toString(), ours.toString());
        assertEquals(0, r.status(), r.err());
        String text = Files.readString(ours, StandardCharsets.ISO_8859_1);
        assertSysrqPanicEnds(text, d);
        // every line the first kernel printed on its console, up to the panic, is in the log
        Set<String> logLines = new LinkedHashSet<>();
        text.lines().forEach(l -> logLines.add(CALLER.matcher(l).replaceFirst("$1 ")));
        List<String> console = consoleOfTheCrashedKernel(d);
        List<String> absent = new ArrayList<>();
        for (String line : console) {
            if (!logLines.contains(line)) {
                absent.add(line);
            }
        }
        assertTrue(console.size() > 300 && console.get(console.size() - 1).endsWith("Bye!"),
                "console lines of the first kernel: " + console.size());
        assertEquals(List.of(), absent, "console lines missing from the log");
        System.out.printf(Locale.ROOT, "%s: --dump-dmesg holds all %,d console lines of the crashed kernel, %,d lines in all%n",
                d.name(), console.size(), logLines.size());
    }

    /** The last lines are the sysrq crash, the oops it raises and the panic that follows. */
    private static void assertSysrqPanicEnds(String text, Corpus.Dump d) {
        List<String> lines = text.lines().toList();
        int trigger = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("sysrq: Trigger a crash")) {
                trigger = i;
            }
        }
        assertTrue(trigger > 0, d.name() + ": no 'sysrq: Trigger a crash' in the log");
        List<String> tail = lines.subList(trigger, lines.size());
        assertTrue(tail.stream().anyMatch(l -> l.contains("Kernel panic - not syncing")), d.name() + ": no panic after sysrq:\n" + tail);
        assertTrue(lines.size() - trigger < 200, d.name() + ": the log goes on after the crash: " + (lines.size() - trigger));
    }

    /** The first kernel's timestamped console lines, through its last words before kexec ("Bye!"). */
    private static List<String> consoleOfTheCrashedKernel(Corpus.Dump d) throws Exception {
        List<String> out = new ArrayList<>();
        double last = -1;
        for (String raw : Files.readAllLines(d.genDir().resolve("console.log"), StandardCharsets.ISO_8859_1)) {
            String line = raw.replace("\r", "");
            Matcher m = CONSOLE_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            double t = Double.parseDouble(m.group(1));
            if (t < last) {
                break; // the crash kernel starts its clock again
            }
            last = t;
            out.add(line);
            if (line.endsWith("] Bye!")) {
                break;
            }
        }
        return out;
    }

    static Stream<Arguments> writers() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : dumps()) {
            for (String w : new String[] {"-c", "-l", "-p", "-z", "-E"}) {
                out.add(Arguments.of(d, w));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -d 31 {1}")
    @MethodSource("writers")
    @RequiresLibkdumpfile
    void everyWritersOutputIsReadByLibkdumpfileWithTheVmcoresBytes(Corpus.Dump d, String writer, @TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("dump");
        CommandLineTest.Run r = CommandLineTest.run("-d", "31", writer, d.vmcore().toString(), out.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        AnalysisTools.PageComparison c = AnalysisTools.comparePages(d.vmcore(), out);
        assertEquals(List.of(), c.problems(), "pages libkdumpfile reads differently from the vmcore");
        assertEquals(c.release().get(1), c.release().get(0), "release");
        long written = 0;
        for (byte b : c.pagemap()) {
            written += Integer.bitCount(b & 0xff);
        }
        assertEquals(written, c.compared(), "every page the file holds was compared");
        assertTrue(c.compared() > 10_000, "pages compared: " + c.compared());
        System.out.printf(Locale.ROOT, "%s -d 31 %s: libkdumpfile (%s) reads all %,d pages equal to the vmcore's%n", d.name(),
                writer, c.format(), c.compared());
    }

    /**
     * {@code -e}: makedumpfile has it for x86_64 only, so the check is its definition. Every frame
     * {@code -e} leaves out beyond plain {@code -d 31} holds struct pages (the vmemmap, walked in its
     * 2 MiB blocks) of frames the plain output leaves out, and libkdumpfile reads the rest unchanged.
     */
    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresLibkdumpfile
    void excludedVmemmapPagesDescribeOnlyExcludedFrames(Corpus.Dump d, @TempDir Path dir) throws Exception {
        Path plain = dir.resolve("plain");
        Path withE = dir.resolve("e");
        assertEquals(0, CommandLineTest.run("-z", "-d", "31", d.vmcore().toString(), plain.toString()).status());
        CommandLineTest.Run r = CommandLineTest.run("-z", "-d", "31", "-e", "--work-dir", dir.toString(),
                d.vmcore().toString(), withE.toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue((r.out() + r.err()).contains("unused vmemmap pages"), r.out() + r.err());
        try (Vmcore v = Vmcore.open(d.vmcore()); Vmcore p = Vmcore.open(plain); Vmcore e = Vmcore.open(withE)) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            long base = info.requireSymbol("vmemmap");
            long sizePage = info.requireSize("page");
            KernelAddressSpace kas = v.kernelAddressSpace();
            PhysicalMemory mem = v.physicalMemory();
            long firstPfn = mem.ranges().get(0).start() / mem.pageSize();
            // physical frame of each vmemmap page -> the virtual address it holds
            Map<Long, Long> vmemmapPage = new HashMap<>();
            for (long va = (base + firstPfn * sizePage) & -(2L << 20); va < base + mem.endPfn() * sizePage; va += 2L << 20) {
                KernelAddressSpace.PageTranslation t = kas.walkPageTables(va);
                assertEquals(2L << 20, t.size(), String.format(Locale.ROOT, "the vmemmap at 0x%x is mapped in 2 MiB blocks", va));
                for (long o = 0; o < t.size(); o += mem.pageSize()) {
                    vmemmapPage.put((t.physicalBase() + o) / mem.pageSize(), va + o);
                }
            }
            long removed = 0;
            for (long pfn = 0; pfn < mem.endPfn(); pfn++) {
                boolean inPlain = p.physicalMemory().status(pfn) == PageStatus.PRESENT;
                boolean inE = e.physicalMemory().status(pfn) == PageStatus.PRESENT;
                assertTrue(inPlain || !inE, "pfn " + pfn + " is only in the -e output");
                if (inPlain && !inE) {
                    Long va = vmemmapPage.get(pfn);
                    assertTrue(va != null, String.format(Locale.ROOT, "pfn 0x%x left out by -e holds no struct page", pfn));
                    for (long q = (va - base) / sizePage; q < (va + mem.pageSize() - base) / sizePage; q++) {
                        assertTrue(p.physicalMemory().status(q) != PageStatus.PRESENT, String.format(Locale.ROOT,
                                "pfn 0x%x left out by -e holds the struct page of pfn 0x%x, which the dump keeps", pfn, q));
                    }
                    removed++;
                }
            }
            assertTrue(removed > 1000, "vmemmap pages left out: " + removed);
            System.out.printf(Locale.ROOT, "%s -d 31 -e: %,d vmemmap pages left out, each holding struct pages of excluded frames "
                    + "only%n", d.name(), removed);
        }
        AnalysisTools.PageComparison c = AnalysisTools.comparePages(d.vmcore(), withE);
        assertEquals(List.of(), c.problems(), "pages libkdumpfile reads differently from the vmcore");
    }
}
