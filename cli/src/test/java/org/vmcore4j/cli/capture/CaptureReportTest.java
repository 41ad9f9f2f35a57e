package org.vmcore4j.cli.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.AnalysisTools.ToolRun;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;

/**
 * What crash-capture.sh reports when the crash kernel fails, from the serial consoles of real captures
 * (testdata/tools/crash-capture.sh under QEMU, kept here compressed): a collector the kernel killed for
 * memory, an initramfs too large to unpack in the reservation, and a boot where both tools completed.
 * The captures themselves take minutes of QEMU (CrashCaptureIT, in the crash-capture profile); what
 * this pins is that such boots end as a report with a reason and the console's tail, never as a hang
 * or an unexplained failure.
 */
@RequiresCommand("python3")
class CaptureReportTest {

    @TempDir
    Path dir;

    @Test
    void aCollectorKilledForMemoryIsReportedAsOomKill() throws Exception {
        // crash-capture.sh --only vmcore4j --crashkernel 256M --java-opts '-Xms180m -Xmx180m
        // -XX:+AlwaysPreTouch': 180 MiB of pre-touched heap in a crash kernel with 144 MiB available
        Map<String, String> r = report("oom-kill-1g.console.log.gz", "256M", 0, 1024, null);
        assertEquals("oom-kill", r.get("vmcore4j.reason"), r::toString);
        assertEquals("137", r.get("vmcore4j.exit"), r::toString);
        assertEquals("False", r.get("vmcore4j.complete"));
        assertTrue(r.get("vmcore4j.console_tail").contains("reboot: Power down"), "the tail shows the kernel powered off");
        assertEquals("not-in-initramfs", r.get("makedumpfile.reason"));
        assertEquals("1", r.get("cpus_in_crash_kernel"));
        assertFalse(r.containsKey("reason"), "the crash kernel itself ran to the end: " + r);
    }

    @Test
    void anInitramfsLargerThanTheReservationCanUnpackIsReportedAsSuch() throws Exception {
        // crash-capture.sh --only vmcore4j --crashkernel 144M -m 6144 --kheap 2048 (crashkernel-bisect.sh)
        Map<String, String> r = report("unpack-failed-6g-144M.console.log.gz", "144M", 0, 6144, null);
        assertEquals("initramfs-unpack-failed", r.get("vmcore4j.reason"), r::toString);
        assertEquals("None", r.get("vmcore4j.exit"));
        assertEquals("False", r.get("vmcore4j.complete"));
        assertTrue(r.get("vmcore4j.console_tail").contains("CAPTURE-RESULT"), r::toString);
    }

    @Test
    void bothCollectorsCompletingAreTimedAndCompared() throws Exception {
        // crash-capture.sh -m 6144 --kheap 2048 --crashkernel 256M: both tools, -l --message-level 7 -d 31
        Map<String, String> r = report("both-complete-6g-256M.console.log.gz", "256M", 0, 6144, "both-complete-6g-256M.dump-head");
        for (String tool : List.of("vmcore4j", "makedumpfile")) {
            assertEquals("0", r.get(tool + ".exit"), r::toString);
            assertEquals("True", r.get(tool + ".complete"), r::toString);
            assertEquals("1020795148", r.get(tool + ".bytes"));
            assertFalse(r.containsKey(tool + ".reason"), r::toString);
        }
        assertEquals("79.22", r.get("vmcore4j.seconds"));
        assertEquals("82.18", r.get("makedumpfile.seconds"));
        assertEquals("0.96", r.get("time_ratio_vmcore4j_to_makedumpfile"));
        assertEquals("40192", r.get("vmcore4j.peak_rss_kib"));
        assertEquals("6219128832", r.get("vmcore_bytes"));
    }

    @Test
    void aBootThatNeverReachedTheCrashKernelIsATimeoutWithItsTail() throws Exception {
        // the same first kernel's console cut where the crash kernel would start: what a hang leaves
        String console = resourceText("both-complete-6g-256M.console.log.gz");
        String cut = console.substring(0, console.indexOf("triggering crash"));
        Files.writeString(dir.resolve("console.log"), cut + "triggering crash\n");
        Map<String, String> r = runReport("256M", 124, 6144);
        assertEquals("timeout", r.get("reason"), r::toString);
        assertEquals("124", r.get("exit"));
        assertEquals("timeout", r.get("vmcore4j.reason"));
        assertNotNull(r.get("console_tail"));
    }

    private Map<String, String> report(String console, String crashkernel, int qemuRc, int ramMib, String dumpHead)
            throws Exception {
        Files.writeString(dir.resolve("console.log"), resourceText(console));
        if (dumpHead != null) {
            for (String file : List.of("vmcore4j.dump", "makedumpfile.dump")) {
                try (InputStream in = resource(dumpHead)) {
                    Files.copy(in, dir.resolve(file));
                }
            }
        }
        return runReport(crashkernel, qemuRc, ramMib);
    }

    private Map<String, String> runReport(String crashkernel, int qemuRc, int ramMib) throws Exception {
        Path script = CaptureImage.repositoryRoot().resolve("testdata/tools/capture_report.py");
        List<String> command = List.of(Corpus.systemPython(), script.toString(),
                "--console", dir.resolve("console.log").toString(), "--qemu-rc", Integer.toString(qemuRc),
                "--qemu-seconds", "100", "--crashkernel", crashkernel, "--collector", "-l --message-level 7 -d 31",
                "--kernel", "6.12.118+deb12-amd64", "--ram-mib", Integer.toString(ramMib), "--kheap-mib", "0",
                "--initramfs-with-vmcore4j", "1", "--initramfs-makedumpfile-only", "1", "--initramfs-booted", "1",
                "--unpacked-with-vmcore4j", "1", "--unpacked-makedumpfile-only", "1", "--host-cpus", "2",
                "--host-other-cpu-seconds", "0", "--outdir", dir.toString());
        ToolRun run = AnalysisTools.run(command, null, Duration.ofMinutes(1));
        assertTrue(run.ok(), () -> run.describe(2000));
        Path json = dir.resolve("report.json");
        Files.writeString(json, run.stdout());
        return CrashCaptureIT.flatten(json);
    }

    private static String resourceText(String name) throws IOException {
        try (InputStream in = new GZIPInputStream(resource(name))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = CaptureReportTest.class.getResourceAsStream(name);
        assertNotNull(in, "test resource " + name);
        return in;
    }
}
