package org.vmcore4j.elf;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Coverage-guided fuzzing of the ELF vmcore reader through {@link Vmcore#open} (issue #8): any byte
 * string either opens as an ELF dump that agrees with {@link DumpChecker}'s naive model (notes,
 * CPUs, VMCOREINFO, ranges, page status and contents), or is refused with a
 * {@link VmcoreFormatException} naming the input and an offset inside it. Nothing else escapes.
 *
 * <p>Seeds in {@code ElfFuzzTestInputs}: the headers and notes of the real corpus dumps (as cut,
 * and with their PT_LOADs shrunk into the file) and the synthetic cores of {@link SyntheticCores}.
 */
class ElfFuzzTest {

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void open(byte[] data) throws IOException {
        Vmcore v;
        try {
            v = Vmcore.open(new ByteArraySource(data, "fuzzed elf"));
        } catch (VmcoreFormatException e) {
            assertTrue(e.getMessage().contains("file=fuzzed elf"), e.getMessage());
            assertTrue(e.offset() >= -1 && e.offset() <= data.length,
                    "offset " + e.offset() + " outside the " + data.length + "-byte file: " + e.getMessage());
            return;
        }
        try (v) {
            assertInstanceOf(ElfVmcore.class, v);
            DumpChecker.check((ElfVmcore) v, data);
            v.noteSection();
            v.statedMappings();
        }
    }
}
