package org.vmcore4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs the packaged examples on the module path ({@code java -p ... -m org.vmcore4j.examples/...}) on
 * real dumps of the corpus and checks what they print against the reference tools: the crashing CPU's
 * pid and registers, the kernel release and init_uts_ns's physical address against libkdumpfile
 * (python3-libkdumpfile), the log lines against makedumpfile's {@code --dump-dmesg} (1.7.9; for aarch64
 * upstream b7587f1 under qemu-user, {@code VMCORE4J_MAKEDUMPFILE_ARM64}), and the
 * re-filtered file against {@code makedumpfile -l -d 31}, byte for byte.
 *
 * <p>Needs the corpus ({@code VMCORE4J_CORPUS}, default {@code ~/.cache/vmcore4j-corpus}), the reference
 * makedumpfile ({@code VMCORE4J_MAKEDUMPFILE}) and {@code /usr/bin/python3} with kdumpfile. Without them
 * the tests skip, or fail when {@code VMCORE4J_REQUIRE_CORPUS=1} (test.sh, CI).
 */
class ExamplesIT {
    private static final boolean REQUIRED = "1".equals(System.getenv("VMCORE4J_REQUIRE_CORPUS"));
    private static final String PYTHON = "/usr/bin/python3";
    /** libkdumpfile's view of one CPU and of the kernel release: the reference for DumpSummary's output. */
    private static final String LIBKDUMPFILE_SCRIPT = String.join("\n",
            "import sys, kdumpfile, addrxlat",
            "k = kdumpfile.kdumpfile(sys.argv[1])",
            "k.attr['addrxlat.ostype'] = 'linux'",
            "cpu = k.attr['cpu'][sys.argv[2]]",
            "print('pid', cpu['pid'])",
            "for name in cpu['reg'].keys():",
            "    print('reg', name, '%x' % cpu['reg'][name])",
            "print('release', k.attr['linux.uts.release'])",
            "vaddr, paddr = int(sys.argv[3], 16), int(sys.argv[4], 16)",
            // the utsname's bytes read through the kernel's mapping and at vmcore4j's physical address
            "print('same-bytes', k.read(addrxlat.KVADDR, vaddr, 390) == k.read(addrxlat.KPHYSADDR, paddr, 390))",
            // libkdumpfile's own translation; its Python binding fails on some dumps (k612-1g-2cpu-s:
            // AttributeError 'cb_read_caps' where the walk reads page tables), then only the bytes are compared
            "try:",
            "    a = addrxlat.FullAddress(addrxlat.KVADDR, vaddr)",
            "    a.conv(addrxlat.KPHYSADDR, k.get_addrxlat_ctx(), k.get_addrxlat_sys())",
            "    print('physical', '%x' % a.addr)",
            "except SystemError:",
            "    print('physical', 'untranslated')", "");

    private static final Pattern CPU_LINE = Pattern.compile("crashing CPU (\\d+), pid (\\d+)");
    private static final Pattern REGISTER_LINE = Pattern.compile(" {2}(\\S+) +0x([0-9a-f]{16})");
    private static final Pattern UTS_LINE = Pattern.compile("init_uts_ns 0x([0-9a-f]+), physical 0x([0-9a-f]+)");
    private static final Pattern PROGRESS_LINE = Pattern.compile("copied (\\d+) of (\\d+) pages \\((\\d+) %\\)");
    private static final Pattern KEPT_LINE = Pattern.compile("kept (\\d+) of (\\d+) pages");

    /** Linux 6.1 and 6.12 on x86_64, 6.12 on aarch64 (48-bit VA: the aarch64 reference makedumpfile's dump). */
    @ParameterizedTest
    @CsvSource({"k61-1g-2cpu, VMCORE4J_MAKEDUMPFILE", "k612-1g-2cpu-s, VMCORE4J_MAKEDUMPFILE",
            "k612a64-1g-2cpu-va48, VMCORE4J_MAKEDUMPFILE_ARM64"})
    void dumpSummaryPrintsWhatLibkdumpfileAndMakedumpfileRead(String name, String makedumpfileVariable)
            throws Exception {
        Path dump = corpusDump(name);
        Path makedumpfile = makedumpfile(makedumpfileVariable);
        requirePythonKdumpfile();
        Path work = workDir("summary-" + name);

        List<String> out = run(work, java("DumpSummary", dump.toString()));
        Matcher cpuLine = match(CPU_LINE, out.get(0));
        String cpu = cpuLine.group(1);
        Map<String, Long> registers = new TreeMap<>();
        int i = 1;
        for (Matcher m; i < out.size() && (m = REGISTER_LINE.matcher(out.get(i))).matches(); i++) {
            registers.put(m.group(1), Long.parseUnsignedLong(m.group(2), 16));
        }
        assertEquals("last 20 log lines:", out.get(i), "output: " + out);
        List<String> logTail = out.subList(i + 1, i + 21);
        Matcher uts = match(UTS_LINE, out.get(i + 21));
        String release = out.get(i + 22);
        assertEquals(i + 23, out.size(), "output: " + out);

        // libkdumpfile on the same dump and CPU
        Path script = work.resolve("libkdumpfile.py");
        Files.writeString(script, LIBKDUMPFILE_SCRIPT, StandardCharsets.UTF_8);
        Map<String, Long> referenceRegisters = new TreeMap<>();
        String referencePid = null;
        String referenceRelease = null;
        String referencePhysical = null;
        String sameBytes = null;
        for (String line : run(work, List.of(PYTHON, script.toString(), dump.toString(), cpu, uts.group(1),
                uts.group(2)))) {
            String[] f = line.split(" ", 3);
            switch (f[0]) {
                case "pid" -> referencePid = f[1];
                case "reg" -> referenceRegisters.put(f[1], Long.parseUnsignedLong(f[2], 16));
                case "release" -> referenceRelease = f[1];
                case "physical" -> referencePhysical = f[1];
                case "same-bytes" -> sameBytes = f[1];
                default -> fail("unexpected line from libkdumpfile: " + line);
            }
        }
        assertEquals(referencePid, cpuLine.group(2), "pid of the crashing CPU's task");
        assertTrue(registers.size() >= 20, "registers printed: " + registers); // x86_64 27, aarch64 34
        assertEquals(referenceRegisters, registers, "registers of CPU " + cpu);
        assertEquals("release " + referenceRelease, release);
        assertEquals("True", sameBytes, "libkdumpfile reads init_uts_ns's bytes at vmcore4j's physical address");
        assertTrue(referencePhysical != null, "libkdumpfile's output");
        if (!referencePhysical.equals("untranslated")) {
            assertEquals(referencePhysical, uts.group(2), "init_uts_ns's physical address");
        }

        // makedumpfile --dump-dmesg: its last 20 lines
        Path log = work.resolve("dmesg.txt");
        run(work, List.of(makedumpfile.toString(), "--dump-dmesg", dump.toString(), log.toString()));
        List<String> reference = Files.readString(log, StandardCharsets.UTF_8).lines().toList();
        assertTrue(reference.size() >= 20, "makedumpfile's log has " + reference.size() + " lines");
        assertEquals(reference.subList(reference.size() - 20, reference.size()), logTail);
    }

    @Test
    void refilterWritesWhatMakedumpfileWrites() throws Exception {
        Path dump = corpusDump("k61-1g-2cpu");
        Path makedumpfile = makedumpfile("VMCORE4J_MAKEDUMPFILE");
        Path work = workDir("refilter");
        Path ours = work.resolve("vmcore4j.ld31");
        Path theirs = work.resolve("makedumpfile.ld31");

        List<String> out = run(work, java("Refilter", dump.toString(), ours.toString()));
        match(KEPT_LINE, out.get(out.size() - 1));
        long total = Long.parseLong(match(PROGRESS_LINE, out.get(0)).group(2));
        long lastDone = -1;
        int progressLines = 0;
        for (String line : out.subList(0, out.size() - 1)) {
            Matcher m = match(PROGRESS_LINE, line);
            long done = Long.parseLong(m.group(1));
            assertTrue(done > lastDone, "progress goes forward: " + out);
            assertEquals(total, Long.parseLong(m.group(2)), line);
            lastDone = done;
            progressLines++;
        }
        assertTrue(progressLines >= 5, "progress reported in steps of 10 %: " + out);
        assertEquals(total, lastDone, "the last progress report: every page written");

        run(work, List.of(makedumpfile.toString(), "-l", "-d", "31", dump.toString(), theirs.toString()));
        long mismatch = Files.mismatch(ours, theirs);
        assertEquals(-1L, mismatch, ours + " differs from makedumpfile's " + theirs + " at byte " + mismatch
                + " (sizes " + Files.size(ours) + " and " + Files.size(theirs) + ")");

        // The filtered file read back on the module path (the kdump reader found as a service, its LZO pages
        // decompressed by the codec library): the same summary as from the vmcore, which -d 31 keeps.
        List<String> fromVmcore = run(work, java("DumpSummary", dump.toString()));
        assertEquals(fromVmcore, run(work, java("DumpSummary", ours.toString())));
    }

    /**
     * The command line as module org.vmcore4j.cli (picocli sets its option fields by reflection, which the
     * module opens to it): {@code --dump-dmesg} writes makedumpfile's log, byte for byte.
     */
    @Test
    void commandLineRunsOnTheModulePath() throws Exception {
        Path dump = corpusDump("k61-1g-2cpu");
        Path makedumpfile = makedumpfile("VMCORE4J_MAKEDUMPFILE");
        Path work = workDir("cli");
        Path ours = work.resolve("vmcore4j-dmesg.txt");
        Path theirs = work.resolve("makedumpfile-dmesg.txt");
        run(work, List.of(property("examples.java"), "-Xmx256m", "-p", property("examples.modulePath"),
                "-m", "org.vmcore4j.cli/org.vmcore4j.cli.Main", "--dump-dmesg", dump.toString(), ours.toString()));
        run(work, List.of(makedumpfile.toString(), "--dump-dmesg", dump.toString(), theirs.toString()));
        assertEquals(-1L, Files.mismatch(ours, theirs), ours + " differs from makedumpfile's " + theirs);
    }

    // ------------------------------------------------------------------ helpers

    private static List<String> java(String program, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(property("examples.java"), "-Xmx256m",
                "-p", property("examples.modulePath")));
        if (!kdumpFormatIsNamedModule()) {
            // aircompressor (an automatic module: no module-info) decompresses LZO pages with sun.misc.Unsafe
            // from jdk.unsupported, which an application started with -m does not resolve unless a module
            // requires it. An automatic org.vmcore4j.kdump cannot; its module-info must, and then this goes.
            cmd.addAll(List.of("--add-modules", "jdk.unsupported"));
        }
        cmd.addAll(List.of("-m", "org.vmcore4j.examples/org.vmcore4j.examples." + program));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Whether the vmcore4j-kdump-format jar in the module path's folder has a module-info (else it is automatic). */
    private static boolean kdumpFormatIsNamedModule() throws IOException {
        Path modules = Path.of(property("examples.modulePath").split(File.pathSeparator)[0]);
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(modules, "vmcore4j-kdump-format-*.jar")) {
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    return zip.getEntry("module-info.class") != null;
                }
            }
        }
        return fail("no vmcore4j-kdump-format jar in " + modules);
    }

    /** Runs {@code command} in {@code dir}; its standard output's lines, after it exited with 0. */
    private static List<String> run(Path dir, List<String> command) throws IOException, InterruptedException {
        // one pair of files per command, kept for a look after a failure
        String name = Path.of(command.get(0)).getFileName() + "-" + Math.abs(command.hashCode());
        Path stdout = dir.resolve(name + ".stdout");
        Path stderr = dir.resolve(name + ".stderr");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + " failed; stderr:\n" + err);
        return Files.readString(stdout, StandardCharsets.UTF_8).lines().toList();
    }

    private static Matcher match(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        assertTrue(m.matches(), "expected " + pattern + ", got: " + line);
        return m;
    }

    private static Path workDir(String name) throws IOException {
        Path dir = Path.of(property("examples.workDir")).resolve(name);
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    private static Path corpusDump(String name) {
        String env = System.getenv("VMCORE4J_CORPUS");
        Path corpus = env != null && !env.isEmpty() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "vmcore4j-corpus");
        Path dump = corpus.resolve(name).resolve("vmcore");
        if (!Files.isRegularFile(dump)) {
            missing("corpus dump " + dump + " (testdata/tools/make-corpus.sh builds it)");
        }
        return dump;
    }

    /** The reference makedumpfile the environment variable names (test.sh sets both). */
    private static Path makedumpfile(String variable) {
        String env = System.getenv(variable);
        if (env == null || env.isEmpty() || !Files.isExecutable(Path.of(env))) {
            missing("the reference makedumpfile (" + variable + "=" + env + ")");
        }
        return Path.of(env);
    }

    private static void requirePythonKdumpfile() throws IOException, InterruptedException {
        boolean ok = Files.isExecutable(Path.of(PYTHON))
                && new ProcessBuilder(PYTHON, "-c", "import kdumpfile, addrxlat").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        if (!ok) {
            missing(PYTHON + " with libkdumpfile (python3-libkdumpfile)");
        }
    }

    /** A prerequisite is missing: a failure under VMCORE4J_REQUIRE_CORPUS=1, else a skip that says which. */
    private static void missing(String what) {
        if (REQUIRED) {
            fail("missing " + what + " (VMCORE4J_REQUIRE_CORPUS=1)");
        }
        Assumptions.abort("missing " + what);
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isEmpty()) {
            fail("system property " + name + " is not set (the pom sets it)");
        }
        return v;
    }
}
