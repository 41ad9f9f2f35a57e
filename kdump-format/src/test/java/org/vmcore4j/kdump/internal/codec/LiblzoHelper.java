package org.vmcore4j.kdump.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.vmcore4j.testdata.Corpus;

/**
 * The real liblzo2, through a small C helper built once with gcc ({@code lzo-helper.c} beside this
 * class; needs gcc and liblzo2-dev, which install-deps.sh installs for makedumpfile). Where it cannot
 * be built, callers skip, or fail under {@code VMCORE4J_REQUIRE_CORPUS=1}.
 */
public final class LiblzoHelper {
    private static Path helper;
    private static String helperProblem;

    private LiblzoHelper() {
    }

    /** The compiled helper, built once; skips (or fails where required) if it cannot be built. */
    public static synchronized Path path() {
        Optional<String> problem = problem();
        if (problem.isPresent()) {
            if (Corpus.required()) {
                fail("VMCORE4J_REQUIRE_CORPUS=1 but " + problem.get());
            }
            Assumptions.assumeTrue(false, problem.get());
        }
        return helper;
    }

    /** Why the helper cannot be built, if it cannot (tries to build it once). */
    public static synchronized Optional<String> problem() {
        if (helper == null && helperProblem == null) {
            helperProblem = build();
        }
        return Optional.ofNullable(helperProblem);
    }

    private static String build() {
        if (!Files.isRegularFile(Path.of("/usr/include/lzo/lzo1x.h"))) {
            return "liblzo2-dev is not installed (/usr/include/lzo/lzo1x.h missing; apt-get install liblzo2-dev)";
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "lzo-interop"));
            Path src = dir.resolve("lzo-helper.c");
            try (InputStream in = LiblzoHelper.class.getResourceAsStream("lzo-helper.c")) {
                Files.write(src, in.readAllBytes());
            }
            Path bin = dir.resolve("lzo-helper");
            Process p;
            try {
                p = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), src.toString(), "-llzo2")
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                return "gcc cannot be run (" + e.getMessage() + "; apt-get install gcc)";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "gcc could not build the liblzo2 helper: " + out.strip();
            }
            helper = bin.toAbsolutePath();
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code lzo-helper mode block in out} on {@code input}; returns what it wrote to {@code out}. */
    static byte[] run(String mode, int block, byte[] input) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target", "lzo-interop"));
        Path in = Files.createTempFile(dir, mode, ".in");
        try {
            Files.write(in, input);
            return run(mode, block, in);
        } finally {
            Files.delete(in);
        }
    }

    private static byte[] run(String mode, int block, Path in) throws IOException, InterruptedException {
        Path out = Files.createTempFile(in.getParent(), mode, ".out");
        try {
            Process p = new ProcessBuilder(path().toString(), mode, Integer.toString(block), in.toString(),
                    out.toString()).redirectErrorStream(true).start();
            String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "lzo-helper timed out");
            assertEquals(0, p.exitValue(), "lzo-helper " + mode + ": " + msg);
            return Files.readAllBytes(out);
        } finally {
            Files.delete(out);
        }
    }

    /** {@code lzo1x_1_compress} of each input on its own, whatever its length. */
    public static List<byte[]> compressEach(List<byte[]> inputs) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target", "lzo-interop"));
        Path in = Files.createTempFile(dir, "records", ".in");
        try {
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(in), 1 << 16)) {
                for (byte[] b : inputs) {
                    writeLe32(o, b.length);
                    o.write(b);
                }
            }
            byte[] result = run("compress-records", 0, in);
            List<byte[]> out = new ArrayList<>(inputs.size());
            try (DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(result))) {
                for (int i = 0; i < inputs.size(); i++) {
                    byte[] c = new byte[Integer.reverseBytes(d.readInt())];
                    d.readFully(c);
                    out.add(c);
                }
                assertEquals(-1, d.read(), "trailing lzo-helper output");
            }
            return out;
        } finally {
            Files.delete(in);
        }
    }

    private static void writeLe32(OutputStream o, int v) throws IOException {
        o.write(v);
        o.write(v >>> 8);
        o.write(v >>> 16);
        o.write(v >>> 24);
    }
}
