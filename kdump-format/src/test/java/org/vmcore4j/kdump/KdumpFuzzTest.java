package org.vmcore4j.kdump;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.ByteArraySource;

/**
 * Coverage-guided fuzzing of the kdump-compressed reader (issue #8): any byte string given to
 * {@link KdumpVmcore#open} either opens and reads consistently (every page read or refused with the
 * reason its bitmap status gives) or fails with a {@code VmcoreFormatException} naming the input;
 * nothing else escapes, no allocation grows with a size field, nothing hangs.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs the seeds and past findings in
 * {@code src/test/resources/org/vmcore4j/kdump/KdumpFuzzTestInputs} (heads of real makedumpfile
 * files, small synthetic ones); FUZZING.md says how to fuzz.
 */
class KdumpFuzzTest {

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void open(byte[] data) throws IOException {
        HostileInputProperties.exercise(() -> KdumpVmcore.open(new ByteArraySource(data, "fuzzed kdump")));
    }
}
