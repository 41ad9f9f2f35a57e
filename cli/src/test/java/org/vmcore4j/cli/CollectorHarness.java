package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;

/**
 * Runs the collector the way kdump does, as a process: {@code java -cp <this test's class path>
 * org.vmcore4j.cli.Main ...} (the code the shaded jar runs; Surefire tests run before the jar is
 * packaged), beside the reference makedumpfile; and the checks the collector tests share: page sets
 * read back with our reader, page bytes against the vmcore, and reads through python3-libkdumpfile.
 */
final class CollectorHarness {
    private CollectorHarness() {
    }

    /** One finished process: exit status, standard output (unless redirected to a file), standard error. */
    record Result(int status, String out, String err, long millis) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout:\n" + tail(out) + "\n--- stderr:\n" + tail(err);
        }

        private static String tail(String s) {
            return s.length() > 3000 ? "..." + s.substring(s.length() - 3000) : s;
        }
    }

    /** The java of this JVM. */
    static String java() {
        return ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This test JVM's class path (Surefire's full one where it hides it behind a manifest jar). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** {@code java [jvmOptions] -cp ... org.vmcore4j.cli.Main args}. */
    static List<String> ours(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("org.vmcore4j.cli.Main");
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    static List<String> ours(String... args) {
        return ours(List.of(), args);
    }

    static List<String> makedumpfile(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Corpus.requireMakedumpfile().toString());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Runs {@code cmd} in {@code cwd} with stdin from {@code stdin} (or nothing) and stdout to {@code stdout} (or captured). */
    static Result run(List<String> cmd, Path cwd, Path stdin, Path stdout) throws IOException, InterruptedException {
        Files.createDirectories(cwd);
        Path out = stdout != null ? stdout : Files.createTempFile(cwd, "stdout", ".txt");
        Path err = Files.createTempFile(cwd, "stderr", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile())
                    : ProcessBuilder.Redirect.from(new File("/dev/null")));
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + cmd);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String o = stdout != null ? "" : Files.readString(out, StandardCharsets.ISO_8859_1);
            return new Result(p.exitValue(), o, Files.readString(err, StandardCharsets.ISO_8859_1), ms);
        } finally {
            if (stdout == null) {
                Files.deleteIfExists(out);
            }
            Files.deleteIfExists(err);
        }
    }

    static Result run(List<String> cmd, Path cwd) throws IOException, InterruptedException {
        return run(cmd, cwd, null, null);
    }

    /** Runs and asserts exit status 0. */
    static Result ok(List<String> cmd, Path cwd) throws IOException, InterruptedException {
        Result r = run(cmd, cwd);
        assertEquals(0, r.status(), () -> String.join(" ", cmd) + "\n" + r);
        return r;
    }

    /** The page counts {@link #assertSamePages} saw. */
    record PageCounts(long endPfn, long present, long excluded, long notRam, long lost, long bytesCompared) {
    }

    /**
     * Both dumps, opened with our reader, agree on every PFN's status (PRESENT, EXCLUDED, NOT_RAM, LOST)
     * and on the bytes of every {@code stride}-th present page (and the last one).
     */
    static PageCounts assertSamePages(Path expected, Path actual, int stride) throws IOException {
        try (Vmcore e = Vmcore.open(expected); Vmcore a = Vmcore.open(actual)) {
            PhysicalMemory me = e.physicalMemory();
            PhysicalMemory ma = a.physicalMemory();
            assertEquals(me.pageSize(), ma.pageSize());
            long end = Math.max(me.endPfn(), ma.endPfn());
            long[] counts = new long[PageStatus.values().length];
            byte[] pe = new byte[me.pageSize()];
            byte[] pa = new byte[me.pageSize()];
            long compared = 0;
            long lastPresent = -1;
            for (long pfn = 0; pfn < end; pfn++) {
                PageStatus s = me.status(pfn);
                PageStatus t = ma.status(pfn);
                if (s != t) {
                    throw new AssertionError("PFN " + pfn + ": " + expected.getFileName() + " says " + s + ", "
                            + actual.getFileName() + " says " + t);
                }
                counts[s.ordinal()]++;
                if (s == PageStatus.PRESENT) {
                    if (counts[s.ordinal()] % stride == 1) {
                        me.readPage(pfn, pe, 0);
                        ma.readPage(pfn, pa, 0);
                        assertArrayEquals(pe, pa, "bytes of PFN " + pfn);
                        compared++;
                    }
                    lastPresent = pfn;
                }
            }
            if (lastPresent >= 0) {
                me.readPage(lastPresent, pe, 0);
                ma.readPage(lastPresent, pa, 0);
                assertArrayEquals(pe, pa, "bytes of PFN " + lastPresent);
            }
            assertTrue(counts[PageStatus.PRESENT.ordinal()] > 0, "no page present in " + actual);
            return new PageCounts(end, counts[PageStatus.PRESENT.ordinal()], counts[PageStatus.EXCLUDED.ordinal()],
                    counts[PageStatus.NOT_RAM.ordinal()], counts[PageStatus.LOST.ordinal()], compared);
        }
    }

    /** The PFNs whose status differs between the two dumps (at most 1000 listed). */
    static List<Long> statusDifferences(Path a, Path b) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Vmcore x = Vmcore.open(a); Vmcore y = Vmcore.open(b)) {
            long end = Math.max(x.physicalMemory().endPfn(), y.physicalMemory().endPfn());
            for (long pfn = 0; pfn < end && out.size() < 1000; pfn++) {
                if (x.physicalMemory().status(pfn) != y.physicalMemory().status(pfn)) {
                    out.add(pfn);
                }
            }
        }
        return out;
    }

    /** Every {@code stride}-th page {@code out} holds equals the vmcore's; returns how many were compared. */
    static long assertPagesFromVmcore(Path out, Path vmcore, int stride) throws IOException {
        try (Vmcore o = Vmcore.open(out); Vmcore v = Vmcore.open(vmcore)) {
            PhysicalMemory mo = o.physicalMemory();
            PhysicalMemory mv = v.physicalMemory();
            byte[] a = new byte[mo.pageSize()];
            byte[] b = new byte[mo.pageSize()];
            long seen = 0;
            long compared = 0;
            for (long pfn = 0; pfn < mo.endPfn(); pfn++) {
                if (mo.status(pfn) == PageStatus.PRESENT && seen++ % stride == 0) {
                    mo.readPage(pfn, a, 0);
                    mv.readPage(pfn, b, 0);
                    assertArrayEquals(b, a, "PFN " + pfn + " of " + out.getFileName() + " differs from the vmcore");
                    compared++;
                }
            }
            assertTrue(compared > 0, "no page present in " + out);
            return compared;
        }
    }

    /** Up to {@code n} present PFNs of {@code dump}, spread evenly, first and last included. */
    static List<Long> presentSample(Path dump, int n) throws IOException {
        List<Long> present = new ArrayList<>();
        try (Vmcore d = Vmcore.open(dump)) {
            PhysicalMemory m = d.physicalMemory();
            for (long pfn = 0; pfn < m.endPfn(); pfn++) {
                if (m.status(pfn) == PageStatus.PRESENT) {
                    present.add(pfn);
                }
            }
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n && !present.isEmpty(); i++) {
            long pfn = present.get((int) ((long) i * (present.size() - 1) / Math.max(1, n - 1)));
            if (out.isEmpty() || out.get(out.size() - 1) != pfn) {
                out.add(pfn);
            }
        }
        return out;
    }

    private static final String LIBKDUMPFILE_READ = String.join("\n",
            "import sys, hashlib, kdumpfile",
            "k = kdumpfile.kdumpfile(sys.argv[1])",
            "for line in open(sys.argv[2]):",
            "    pfn = int(line)",
            "    b = k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096)",
            "    print(pfn, hashlib.sha256(b).hexdigest())");

    /**
     * python3-libkdumpfile (through /usr/bin/python3) opens {@code out} and reads {@code n} of its present
     * pages, spread over the dump; each equals the vmcore's page. Returns how many pages were read.
     */
    static int assertLibkdumpfileReads(Path out, Path vmcore, int n) throws IOException, InterruptedException {
        List<Long> pfns = presentSample(out, n);
        Path list = Files.createTempFile(out.getParent(), "pfns", ".txt");
        try {
            Files.write(list, pfns.stream().map(String::valueOf).toList());
            Result r = run(List.of(Corpus.systemPython(), "-c", LIBKDUMPFILE_READ, out.toString(), list.toString()),
                    out.getParent());
            assertEquals(0, r.status(), () -> "libkdumpfile could not read " + out + ":\n" + r);
            List<String> lines = r.out().lines().toList();
            assertEquals(pfns.size(), lines.size(), r::toString);
            try (Vmcore v = Vmcore.open(vmcore)) {
                byte[] page = new byte[4096];
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (int i = 0; i < pfns.size(); i++) {
                    v.physicalMemory().readPage(pfns.get(i), page, 0);
                    assertEquals(pfns.get(i) + " " + HexFormat.of().formatHex(sha.digest(page)), lines.get(i),
                            "libkdumpfile's page " + pfns.get(i) + " of " + out.getFileName());
                }
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            return pfns.size();
        } finally {
            Files.deleteIfExists(list);
        }
    }

    static void assertSameBytes(Path expected, Path actual) throws IOException {
        long mismatch = Files.mismatch(expected, actual);
        assertEquals(-1L, mismatch, () -> actual + " differs from " + expected + " at byte " + mismatch + " (sizes "
                + size(expected) + " and " + size(actual) + ")");
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A fresh work folder under {@code target/}, where the big outputs go (not /tmp, which may be small). */
    static Path workDir(String name) throws IOException {
        Path dir = Path.of("target", "collector-it", name).toAbsolutePath();
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The files in {@code dir} (names), sorted, for "which files were left behind" checks. */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
