package org.vmcore4j.cli.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.AnalysisTools.PageComparison;
import org.vmcore4j.testdata.AnalysisTools.ToolRun;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * One capture inside a real crash kernel (testdata/tools/crash-capture.sh): a 1 GiB Linux 6.12 guest
 * crashes, the kdump kernel boots with crashkernel=256M and nr_cpus=1 and runs
 * {@code vmcore4j -l --message-level 7 -d 31}, then makedumpfile 1.7.9 with the same arguments, on the
 * same /proc/vmcore, which it then copies out raw. Both files open in libkdumpfile with the same pages,
 * and every page of ours equals the copied vmcore's at that PFN (both read by libkdumpfile).
 * About 2.5 minutes under QEMU's TCG on 2 cores: it runs only in the crash-capture profile
 * ({@code mvn -B verify -Pcrash-capture -pl cli -am -Dit.test=CrashCaptureIT}).
 */
@RequiresMakedumpfile
@RequiresLibkdumpfile
class CrashCaptureIT {

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    @RequiresCommand({"qemu-system-x86_64", "flock", "debugfs", "jlink"})
    void collectorInsideACrashKernelWritesMakedumpfilesPagesFromProcVmcore() throws Exception {
        Path image = CaptureImage.build("crash-capture-it");
        Path out = image.getParent().resolve("capture");
        // one QEMU guest at a time on a machine: the same lock the corpus builder's callers take
        ProcessBuilder pb = new ProcessBuilder("flock", "/tmp/vmcore4j-qemu.lock",
                CaptureImage.repositoryRoot().resolve("testdata/tools/crash-capture.sh").toString(),
                "-k", "6.12", "-m", "1024", "--crashkernel", "256M", "--collector", "-l --message-level 7 -d 31",
                out.toString());
        pb.environment().put("VMCORE4J_CAPTURE", image.toString());
        pb.environment().put("VMCORE4J_MAKEDUMPFILE", Corpus.requireMakedumpfile().toString());
        Files.createDirectories(out);
        Path log = out.getParent().resolve("crash-capture.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(28, TimeUnit.MINUTES), "crash-capture.sh did not finish; see " + log);
        Map<String, String> report = flatten(out.resolve("report.json"));
        String why = "crash-capture.sh exit " + p.exitValue() + "; report " + report + "; log " + log;
        assertEquals("256M", report.get("crashkernel"), why);
        assertEquals("1", report.get("cpus_in_crash_kernel"), why);
        for (String tool : List.of("vmcore4j", "makedumpfile")) {
            assertEquals("0", report.get(tool + ".exit"), why);
            assertEquals("True", report.get(tool + ".complete"), why);
        }
        assertEquals(0, p.exitValue(), why);

        Path vmcore = out.resolve("vmcore");
        Path ours = out.resolve("vmcore4j.dump");
        Path theirs = out.resolve("makedumpfile.dump");
        PageComparison o = AnalysisTools.comparePages(vmcore, ours);
        PageComparison m = AnalysisTools.comparePages(vmcore, theirs);
        assertEquals("diskdump", o.format(), o.run()::toString);
        assertEquals(List.of(), o.problems(), "pages of ours that libkdumpfile reads differently from the vmcore");
        assertEquals(List.of(), m.problems(), "pages of makedumpfile's that libkdumpfile reads differently from the vmcore");
        assertEquals(m.maxPfn(), o.maxPfn());
        assertArrayEquals(m.pagemap(), o.pagemap(), "the dumpable page sets (file.pagemap) differ");
        assertEquals(m.compared(), o.compared());
        assertTrue(o.compared() > 1000, "only " + o.compared() + " pages in the dump");
        // with the same arguments on the same /proc/vmcore, makedumpfile 1.7.9's bytes
        assertEquals(-1L, Files.mismatch(theirs, ours), "the files differ");
        System.out.printf(Locale.ROOT, "crash kernel capture: %,d pages equal to /proc/vmcore's; vmcore4j %s s, %s KiB peak RSS; "
                + "makedumpfile %s s, %s KiB%n", o.compared(), report.get("vmcore4j.seconds"),
                report.get("vmcore4j.peak_rss_kib"), report.get("makedumpfile.seconds"), report.get("makedumpfile.peak_rss_kib"));
    }

    /**
     * The out-of-memory path, for real: vmcore4j alone in the crash kernel with a heap the reservation
     * cannot hold (180 MiB pre-touched; about 144 MiB are available there at crashkernel=256M). The kernel
     * kills the JVM, the capture init still unmounts and powers off, and the report says oom-kill with the
     * console's tail: no hang until the QEMU timeout.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    @RequiresCommand({"qemu-system-x86_64", "flock", "debugfs", "jlink"})
    void collectorKilledForMemoryInsideACrashKernelIsReportedNotHung() throws Exception {
        Path image = CaptureImage.build("crash-capture-oom-it");
        Path out = image.getParent().resolve("capture-oom");
        ProcessBuilder pb = new ProcessBuilder("flock", "/tmp/vmcore4j-qemu.lock",
                CaptureImage.repositoryRoot().resolve("testdata/tools/crash-capture.sh").toString(),
                "-k", "6.12", "-m", "1024", "--crashkernel", "256M", "--only", "vmcore4j", "--no-vmcore-copy",
                "--java-opts", "-XX:+UseSerialGC -Xms180m -Xmx180m -XX:+AlwaysPreTouch", out.toString());
        pb.environment().put("VMCORE4J_CAPTURE", image.toString());
        pb.environment().put("VMCORE4J_MAKEDUMPFILE", Corpus.requireMakedumpfile().toString());
        Files.createDirectories(out);
        Path log = out.getParent().resolve("crash-capture-oom.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(18, TimeUnit.MINUTES), "crash-capture.sh did not finish; see " + log);
        Map<String, String> report = flatten(out.resolve("report.json"));
        String why = "crash-capture.sh exit " + p.exitValue() + "; report " + report + "; log " + log;
        assertEquals(1, p.exitValue(), why);
        assertEquals("oom-kill", report.get("vmcore4j.reason"), why);
        assertEquals("137", report.get("vmcore4j.exit"), why);
        assertEquals("False", report.get("vmcore4j.complete"), why);
        assertTrue(report.get("vmcore4j.console_tail").contains("reboot: Power down"), why);
        assertEquals(null, report.get("reason"), "the crash kernel ran to its end: " + why);
    }

    /** report.json as dotted keys to values (Python's str() of each), read with the system Python. */
    static Map<String, String> flatten(Path json) throws Exception {
        assertTrue(Files.isRegularFile(json), "crash-capture.sh wrote no " + json);
        String script = String.join("\n",
                "import json, sys",
                "def walk(p, v):",
                "    if isinstance(v, dict):",
                "        for k, x in v.items(): walk(p + [k], x)",
                "    else: print('.'.join(p) + '\\t' + str(v).replace('\\n', ' '))",
                "walk([], json.load(open(sys.argv[1])))");
        ToolRun r = AnalysisTools.run(List.of(Corpus.systemPython(), "-c", script, json.toString()), null, Duration.ofMinutes(1));
        assertTrue(r.ok(), () -> r.describe(2000));
        return r.stdout().lines().map(l -> l.split("\t", 2))
                .collect(Collectors.toMap(f -> f[0], f -> f.length > 1 ? f[1] : ""));
    }
}
