package org.vmcore4j.cli.capture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.AnalysisTools.ToolRun;

/** The capture image (capture/build-runtime.sh) built from this build's jar, for the tests that put it in an initramfs. */
final class CaptureImage {
    private CaptureImage() {
    }

    /** The checkout's root: Failsafe runs in the cli module's folder. */
    static Path repositoryRoot() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(root.resolve("capture/build-runtime.sh")), "no capture/build-runtime.sh under " + root);
        return root;
    }

    /** Builds the image into target/ of the cli module (never the checkout's target/capture, which a user may be using). */
    static Path build(String name) throws IOException {
        Path out = Path.of("target", name, "vmcore4j").toAbsolutePath();
        ToolRun r = AnalysisTools.run(List.of(repositoryRoot().resolve("capture/build-runtime.sh").toString(), out.toString()),
                null, Duration.ofMinutes(5));
        assertTrue(r.ok(), () -> "capture/build-runtime.sh failed:\n" + r.describe(4000));
        return out;
    }
}
