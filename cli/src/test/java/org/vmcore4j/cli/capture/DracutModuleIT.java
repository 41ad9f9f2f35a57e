package org.vmcore4j.cli.capture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.AnalysisTools.ToolRun;
import org.vmcore4j.testdata.RequiresCommand;

/**
 * The dracut module (dracut/modules.d/99vmcore4j) with Debian's dracut: testdata/tools/dracut-check.sh
 * builds a kdump-style image with it and one with makedumpfile only, lists them with lsinitrd and runs
 * the kdump.conf collector line from the unpacked image alone.
 */
class DracutModuleIT {

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
    @RequiresCommand({"dracut", "lsinitrd", "makedumpfile", "unshare", "jlink"})
    void kdumpImageHoldsARuntimeJarAndCollectorThatResolves() throws Exception {
        Path image = CaptureImage.build("dracut-it");
        Path out = image.getParent().resolve("check");
        // the image this build made, not whatever capture/build-runtime.sh left in target/ by default
        ToolRun r = AnalysisTools.run(List.of("env", "VMCORE4J_CAPTURE=" + image,
                CaptureImage.repositoryRoot().resolve("testdata/tools/dracut-check.sh").toString(), out.toString()),
                null, Duration.ofMinutes(9));
        // the script's own checks: lsinitrd lists the runtime, the jar, the launcher and kdump.conf; the
        // collector's first word is on the image's PATH and `vmcore4j -v` and --check-params run in it
        assertTrue(r.ok(), () -> r.describe(6000));
        List<String> lines = r.stdout().lines().toList();
        assertTrue(lines.contains("OK"), r::stdout);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("collector resolves: /usr/bin/vmcore4j -> ")), r::stdout);
        long with = size(lines, "with_vmcore4j");
        long without = size(lines, "makedumpfile_only");
        assertTrue(with > without, r::stdout);
        System.out.printf(Locale.ROOT, "dracut images: makedumpfile only %,d B, with vmcore4j %,d B%n", without, with);
    }

    private static long size(List<String> lines, String image) {
        return lines.stream().filter(l -> l.startsWith("image " + image + " ")).findFirst()
                .map(l -> Long.parseLong(l.split(" ")[2]))
                .orElseThrow(() -> new AssertionError("no size of image " + image + " in " + lines));
    }
}
