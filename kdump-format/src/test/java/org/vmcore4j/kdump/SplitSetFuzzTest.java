package org.vmcore4j.kdump;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of split sets, {@link KdumpVmcore#openSplitSet} (issue #8): the parts of
 * a {@code makedumpfile --split} set (each possibly flattened), written to files, open as one dump
 * that reads consistently, or fail with a {@code VmcoreFormatException}.
 *
 * <p>Input framing ({@link #parts}): byte 0 gives the number of parts (1 + b % 3); then, for every
 * part but the last, a big-endian u32 length (taken modulo what is left) and that many bytes; the
 * last part is the rest. Seeds: {@code SplitSetFuzzTestInputs}.
 */
class SplitSetFuzzTest {
    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("fuzz-split");
    }

    @AfterAll
    static void dropDir() throws IOException {
        for (int i = 0; i < 3; i++) {
            Files.deleteIfExists(dir.resolve("part" + i));
        }
        Files.deleteIfExists(dir);
    }

    /** Splits a fuzz input into 1 to 3 parts as the class comment says. */
    static List<byte[]> parts(byte[] data) {
        List<byte[]> parts = new ArrayList<>();
        if (data.length == 0) {
            parts.add(data);
            return parts;
        }
        int n = 1 + (data[0] & 0xff) % 3;
        int pos = 1;
        for (int i = 0; i < n - 1; i++) {
            int left = data.length - pos;
            int len = 0;
            if (left >= 4) {
                len = (int) (Integer.toUnsignedLong(ByteBuffer.wrap(data, pos, 4).getInt()) % (left - 4 + 1));
                pos += 4;
            }
            parts.add(Arrays.copyOfRange(data, pos, pos + len));
            pos += len;
        }
        parts.add(Arrays.copyOfRange(data, pos, data.length));
        return parts;
    }

    /** The inverse of {@link #parts}, for writing seeds. */
    static byte[] frame(List<byte[]> parts) {
        int total = 1;
        for (byte[] p : parts) {
            total += 4 + p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(total - 4);
        b.put((byte) (parts.size() - 1));
        for (int i = 0; i < parts.size(); i++) {
            if (i < parts.size() - 1) {
                b.putInt(parts.get(i).length);
            }
            b.put(parts.get(i));
        }
        return b.array();
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void openSplitSet(byte[] data) throws IOException {
        List<Path> files = new ArrayList<>();
        List<byte[]> parts = parts(data);
        for (int i = 0; i < parts.size(); i++) {
            files.add(Files.write(dir.resolve("part" + i), parts.get(i)));
        }
        HostileInputProperties.exercise(() -> KdumpVmcore.openSplitSet(files));
    }
}
