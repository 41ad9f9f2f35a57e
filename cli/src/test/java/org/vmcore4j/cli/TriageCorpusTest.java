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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.testdata.RequiresVmlinux;

/**
 * {@code vmcore4j triage} and {@code vmcore4j dmesg} on every corpus dump, against the real tools: the
 * bundle (unpacked with tar) holds makedumpfile 1.7.9's --dump-dmesg bytes and libkdumpfile's
 * registers, stays under 1 MiB and is the same bytes twice; the signature names the CPU drgn names
 * as crashed and the log's panic message.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class TriageCorpusTest {
    static final long MAX_BUNDLE = 1 << 20;

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    static byte[] makedumpfileDmesg(Path vmcore, Path dir) throws IOException {
        Path theirs = dir.resolve("makedumpfile-dmesg.txt");
        Files.deleteIfExists(theirs);
        AnalysisTools.ToolRun r = AnalysisTools.makedumpfile(List.of("--dump-dmesg", vmcore.toString(),
                theirs.toString()), null);
        assertTrue(r.ok(), r.describe(2000));
        return Files.readAllBytes(theirs);
    }

    /** Runs a Python script of this package's test resources with the system Python. */
    static AnalysisTools.ToolRun python(String script, String... args) throws IOException {
        Path file = Files.createTempFile(script.replace(".py", ""), ".py");
        try (InputStream in = TriageCorpusTest.class.getResourceAsStream(script)) {
            Files.write(file, in.readAllBytes());
            List<String> cmd = new ArrayList<>(List.of(Corpus.systemPython(), file.toString()));
            cmd.addAll(List.of(args));
            return AnalysisTools.run(cmd, null, Duration.ofMinutes(5));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static Path triage(Path vmcore, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("triage"));
        args.addAll(List.of(options));
        args.addAll(List.of(vmcore.toString(), out.toString()));
        CommandLineTest.Run r = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        return out;
    }

    static Path untar(Path bundle, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("tar", "-xf", bundle.toString(), "-C", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tar could not unpack the bundle: " + out);
        return dir;
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void bundleHoldsMakedumpfilesLogAndLibkdumpfilesRegisters(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        byte[] log = makedumpfileDmesg(dump.vmcore(), dir);
        Path bundle = triage(dump.vmcore(), dir.resolve("bundle.tar.gz"));
        long size = Files.size(bundle);
        assertTrue(size < MAX_BUNDLE, "bundle of " + size + " bytes");
        Path files = untar(bundle, dir.resolve("unpacked"));
        assertArrayEquals(log, Files.readAllBytes(files.resolve(TriageCommand.DMESG)));

        AnalysisTools.ToolRun regs = python("kdumpfile_registers.py", dump.vmcore().toString());
        assertTrue(regs.ok(), regs.describe(2000));
        assertEquals(sorted(regs.stdout()), sorted(Files.readString(files.resolve(TriageCommand.REGISTERS))));

        String vmcoreinfo = Files.readString(files.resolve(TriageCommand.VMCOREINFO), StandardCharsets.ISO_8859_1);
        assertTrue(vmcoreinfo.contains("OSRELEASE=" + dump.param("kver").orElseThrow() + "\n"), vmcoreinfo);
        String info = Files.readString(files.resolve(TriageCommand.INFO));
        assertEquals(CommandLineTest.run("info", "--json", dump.vmcore().toString()).out(), info);
        String stack = Files.readString(files.resolve(TriageCommand.STACK_TEXT));
        assertEquals(16384, Files.size(files.resolve(TriageCommand.STACK)), stack);
        assertTrue(Files.readString(files.resolve(TriageCommand.README)).indexOf("Not included") < 0,
                Files.readString(files.resolve(TriageCommand.README)));

        // deterministic: the same dump gives the same bytes
        Path again = triage(dump.vmcore(), dir.resolve("again.tar.gz"));
        assertArrayEquals(Files.readAllBytes(bundle), Files.readAllBytes(again));
    }

    /**
     * An incomplete dump (a -L run cut at 20 MB, before the log's pages): the bundle still has the
     * registers and VMCOREINFO, and README.txt says what is missing and why.
     */
    @ParameterizedTest
    @MethodSource("dumps")
    void incompleteDumpStillGivesABundle(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        Path cut = dir.resolve("cut.kdump");
        CommandLineTest.Run r = CommandLineTest.run("-d", "1", "-z", "-L", "20M", dump.vmcore().toString(),
                cut.toString());
        assertEquals(1, r.status(), "the run was to be cut short: " + r.out());
        Path files = untar(triage(cut, dir.resolve("cut.tar.gz")), dir.resolve("unpacked"));
        AnalysisTools.ToolRun regs = python("kdumpfile_registers.py", dump.vmcore().toString());
        assertTrue(regs.ok(), regs.describe(2000));
        assertEquals(sorted(regs.stdout()), sorted(Files.readString(files.resolve(TriageCommand.REGISTERS))));
        assertTrue(Files.isRegularFile(files.resolve(TriageCommand.VMCOREINFO)));
        String readme = Files.readString(files.resolve(TriageCommand.README));
        assertTrue(Files.isRegularFile(files.resolve(TriageCommand.DMESG)) || readme.contains("dmesg.txt: "), readme);
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void dmesgCommandPrintsMakedumpfilesBytes(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        byte[] log = makedumpfileDmesg(dump.vmcore(), dir);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"dmesg", dump.vmcore().toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertArrayEquals(log, out.toByteArray());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    /** The crashing CPU is the one drgn names; the panic message is the log's own panic line. */
    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresVmlinux
    void signatureNamesDrgnsCrashedCpuAndTheLogsPanic(Corpus.Dump dump, @TempDir Path dir) throws Exception {
        Path vmlinux = AnalysisTools.drgnVmlinux(AnalysisTools.requireVmlinux(dump));
        AnalysisTools.ToolRun drgn = python("drgn_crashed_cpu.py", vmlinux.toString(), dump.vmcore().toString());
        assertTrue(drgn.ok(), drgn.describe(2000));
        String drgnCpu = group(drgn.stdout(), "crashed cpu (\\d+)\n");
        assertEquals(drgnCpu, group(drgn.stdout(), "panic_cpu (\\d+)"), drgn.stdout());

        String json = CommandLineTest.run("info", "--json", dump.vmcore().toString()).out();
        assertEquals(drgnCpu, group(json, "\"crashingCpu\": (\\d+)"));
        assertEquals(drgnCpu, group(json, "\"cpuFromNotes\": (\\d+)"));
        assertEquals(group(drgn.stdout(), "crashed thread (\\d+)"), group(json, "\"crashingPid\": (\\d+)"));

        String log = new String(makedumpfileDmesg(dump.vmcore(), dir), StandardCharsets.UTF_8);
        String panic = group(log, "\\] Kernel panic - not syncing: ([^\n]*)\n");
        assertEquals(panic, group(json, "\"panicMessage\": \"([^\"]*)\""));
        assertEquals("Kernel panic - not syncing: " + panic, group(json, "\"headline\": \"([^\"]*)\""));
        assertEquals(dump.param("kver").orElseThrow(), group(json, "\"release\": \"([^\"]*)\",\n *\"taint\""));
        assertTrue(group(json, "\"hash\": \"([0-9a-f]{16})\"") != null, json);
    }

    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }

    static List<String> sorted(String lines) {
        return lines.lines().sorted().toList();
    }
}
