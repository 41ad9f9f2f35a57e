package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * Coverage-guided fuzzing of the flattened format ({@code makedumpfile -F}) (issue #8): a fuzzed
 * stream is either a {@link FlattenedSource} whose bytes read back the same as
 * {@link FlattenedRearranger} writes them, and whose kdump content is read or rejected as by
 * {@link KdumpFuzzTest}, or it is rejected with a {@link VmcoreFormatException} naming the stream.
 * Seeds: {@code FlattenedFuzzTestInputs} (the head of a real {@code -F} stream, synthetic streams).
 */
class FlattenedFuzzTest {
    /** Rearranged outputs up to this size are compared byte for byte with the source's view. */
    private static final int COMPARE_LIMIT = 1 << 20;
    private static Path scratch;

    @BeforeAll
    static void makeScratch() throws IOException {
        scratch = Files.createTempFile("fuzz-rearranged", ".bin");
    }

    @AfterAll
    static void dropScratch() throws IOException {
        Files.deleteIfExists(scratch);
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void flattened(byte[] data) throws IOException {
        byte[] view = null;
        FlattenedSource src = null;
        try {
            src = FlattenedSource.open(new ByteArraySource(data, "fuzzed flat"));
        } catch (VmcoreFormatException e) {
            assertTrue(e.getMessage().contains("(file=fuzzed flat"), e.getMessage());
        }
        if (src != null) {
            try (FlattenedSource s = src) {
                assertTrue(s.size() >= 0);
                assertTrue(s.recordCount() >= 0 && s.storedBytes() >= 0);
                if (s.size() <= COMPARE_LIMIT) {
                    view = new byte[(int) s.size()];
                    s.read(0, view, 0, view.length);
                } else {
                    byte[] part = new byte[4096];
                    s.read(0, part, 0, part.length);
                    s.read(s.size() - part.length, part, 0, part.length);
                }
                try {
                    s.read(s.size(), new byte[1], 0, 1);
                    throw new AssertionError("read past the end of a flattened source of " + s.size() + " bytes");
                } catch (VmcoreFormatException expected) {
                    // reads past the end are a format error, not an index exception
                }
            }
            FlattenedSource again = FlattenedSource.open(new ByteArraySource(data, "fuzzed flat"));
            HostileInputProperties.exercise(() -> {
                try {
                    return KdumpVmcore.open(again);
                } catch (IOException | RuntimeException e) {
                    again.close();
                    throw e;
                }
            });
        }
        try (FileChannel ch = FileChannel.open(scratch, StandardOpenOption.WRITE, StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FlattenedRearranger.Result r = FlattenedRearranger.rearrange(new ByteArrayInputStream(data), "fuzzed flat", ch);
            assertTrue(r.records() >= 0 && r.payloadBytes() >= 0 && r.outputSize() >= 0, r.toString());
            if (view != null) {
                // both read the same stream: the same file, gaps as zeros, later records winning
                assertEquals(view.length, r.outputSize(), "rearranged size vs FlattenedSource.size()");
                ByteBuffer out = ByteBuffer.allocate(view.length);
                while (out.hasRemaining() && ch.read(out, out.position()) > 0) {
                    // read all
                }
                assertArrayEquals(view, Arrays.copyOf(out.array(), view.length), "rearranged bytes vs FlattenedSource");
            }
        } catch (VmcoreFormatException e) {
            assertTrue(e.getMessage().contains("(file=fuzzed flat"), e.getMessage());
        } catch (IOException e) {
            // a legal offset the scratch file system cannot hold (ext4 stops at 16 TiB): the output's failure
            assertTrue(e.getMessage().startsWith("cannot write "), e.toString());
        }
    }
}
