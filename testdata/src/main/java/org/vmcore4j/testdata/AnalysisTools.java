package org.vmcore4j.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the analysis tools a dump we write must open, and reduces what they print to text a test
 * can compare with the same tool's view of the original vmcore: crash 8.0.2 in batch mode
 * ({@link #crash}), drgn through {@code drgn_summary.py} ({@link #drgn}), libkdumpfile reading every
 * page of a dump against the vmcore through {@code kdumpfile_compare.py} ({@link #comparePages}),
 * and the reference makedumpfile ({@link #makedumpfile}).
 *
 * <p>crash and drgn need the kernel's debug vmlinux ({@link Corpus#vmlinux}); {@code
 * testdata/tools/prepare-vmlinux.sh} fetches it, adds a {@code .gdb_index} (crash starts in about
 * 5 s instead of 20) and, for kernels whose ORC format drgn 0.0.22 does not know, writes the
 * {@code .no-orc} copy {@link #drgnVmlinux} picks. Python tools run in {@link Corpus#systemPython()}.
 */
public final class AnalysisTools {
    /** The crash commands the interoperability tests run: the system, the kernel log, every CPU's backtrace. */
    public static final List<String> CRASH_COMMANDS = List.of("sys", "log", "bt -a");

    /**
     * Lines of crash's output that report a problem with the dump: crash's own error lines, warnings,
     * "invalid ..." and "read error" messages (case-insensitive).
     */
    private static final Pattern PROBLEM = Pattern.compile(
            "(^|\\s)crash: |warning|invalid|read error|seek error|page excluded|no data|cannot|not found",
            Pattern.CASE_INSENSITIVE);

    private AnalysisTools() {
    }

    /** One run of an external command: what it printed on each stream, its exit status and time. */
    public record ToolRun(List<String> command, int exitCode, String stdout, String stderr, long millis) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The command and what it printed, cut to {@code max} characters per stream, for failure messages. */
        public String describe(int max) {
            return String.join(" ", command) + "\n  exit status " + exitCode + ", " + millis + " ms\n  stdout: "
                    + cut(stdout, max) + "\n  stderr: " + cut(stderr, max);
        }

        private static String cut(String s, int max) {
            return s.length() <= max ? s : s.substring(0, max / 2) + "\n[...]\n" + s.substring(s.length() - max / 2);
        }
    }

    /**
     * Runs {@code command} with {@code stdin} (or nothing) as its standard input, both outputs
     * captured in full; a command that outlives {@code timeout} is killed and reported as exit 124.
     */
    public static ToolRun run(List<String> command, Path stdin, Duration timeout) throws IOException {
        Path out = Files.createTempFile("vmcore4j-tool", ".out");
        Path err = Files.createTempFile("vmcore4j-tool", ".err");
        try {
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin != null) {
                pb.redirectInput(stdin.toFile());
            }
            Process p = pb.start();
            if (stdin == null) {
                p.getOutputStream().close();
            }
            int rc;
            try {
                if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    rc = p.exitValue();
                } else {
                    p.destroyForcibly().waitFor();
                    rc = 124;
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return new ToolRun(List.copyOf(command), rc, Files.readString(out, StandardCharsets.ISO_8859_1),
                    Files.readString(err, StandardCharsets.ISO_8859_1), ms);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // ---- makedumpfile ----

    /** Runs the reference makedumpfile ({@link Corpus#requireMakedumpfile()}) with {@code args}. */
    public static ToolRun makedumpfile(List<String> args, Path stdin) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Corpus.requireMakedumpfile().toString());
        cmd.addAll(args);
        return run(cmd, stdin, Duration.ofMinutes(5));
    }

    // ---- vmlinux ----

    /**
     * The debug vmlinux of {@code d} for crash, or the test is aborted (skipped) saying how to get it;
     * with {@code VMCORE4J_REQUIRE_CORPUS=1} it fails instead.
     */
    public static Path requireVmlinux(Corpus.Dump d) {
        Optional<Path> v = Corpus.vmlinux(d);
        if (v.isEmpty()) {
            String why = "no debug vmlinux for " + d.name() + " in " + Corpus.vmlinuxDirectory()
                    + ": run testdata/tools/prepare-vmlinux.sh " + d.dir();
            if (Corpus.required()) {
                throw new IllegalStateException("VMCORE4J_REQUIRE_CORPUS=1 but " + why);
            }
            Assumptions.abort(why);
        }
        return v.get();
    }

    /**
     * The vmlinux drgn 0.0.22 can unwind with: {@code vmlinux.no-orc} where prepare-vmlinux.sh made
     * one (kernels from 6.4 on, whose ORC entries drgn 0.0.22 rejects with "unknown ORC entry type"),
     * else the vmlinux itself.
     */
    public static Path drgnVmlinux(Path vmlinux) {
        Path noOrc = vmlinux.resolveSibling(vmlinux.getFileName() + ".no-orc");
        return Files.isRegularFile(noOrc) ? noOrc : vmlinux;
    }

    // ---- crash ----

    /**
     * crash's output for {@code commands} on one dump.
     *
     * @param normalised stdout without the lines that legitimately differ between dump files (see
     *                   {@link #normaliseCrash})
     * @param problems   the lines of stdout and stderr that report a problem (crash errors, warnings,
     *                   invalid or unreadable addresses), in order
     */
    public record CrashResult(ToolRun run, String normalised, List<String> problems) {
    }

    /**
     * Runs {@code crash -s --no_scroll -i CMDFILE vmlinux dump} with {@code commands} (then {@code quit})
     * in the command file. crash 8.0.2 reads ELF vmcores and kdump-compressed files (not flattened
     * ones, not split sets).
     */
    public static CrashResult crash(Path vmlinux, Path dump, List<String> commands) throws IOException {
        Path cmds = Files.createTempFile("crash-cmds", ".txt");
        try {
            List<String> lines = new ArrayList<>(commands);
            lines.add("quit");
            Files.write(cmds, lines);
            ToolRun r = run(List.of("crash", "-s", "--no_scroll", "-i", cmds.toString(), vmlinux.toString(),
                    dump.toString()), null, Duration.ofMinutes(5));
            List<String> problems = new ArrayList<>(problemLines(r.stdout()));
            problems.addAll(problemLines(r.stderr()));
            return new CrashResult(r, normaliseCrash(r.stdout()), problems);
        } finally {
            Files.deleteIfExists(cmds);
        }
    }

    /**
     * crash's output without what names or measures the dump file rather than the crashed kernel:
     * {@code sys}'s {@code DUMPFILE:} line (the path, and {@code [PARTIAL DUMP]} for a filtered
     * kdump file). Everything else (the system, the kernel log, the backtraces, warnings) stays.
     */
    public static String normaliseCrash(String out) {
        StringBuilder sb = new StringBuilder();
        for (String line : out.split("\n", -1)) {
            if (line.stripLeading().startsWith("DUMPFILE:")) {
                continue;
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** The lines of {@code text} that report a problem (see {@link CrashResult#problems()}). */
    public static List<String> problemLines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (PROBLEM.matcher(line).find()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    // ---- drgn ----

    /** drgn's summary of one dump ({@code drgn_summary.py}): release, crashed thread, per-CPU stacks, kernel log. */
    public static ToolRun drgn(Path vmlinux, Path dump) throws IOException {
        return python("drgn_summary.py", List.of(vmlinux.toString(), dump.toString()));
    }

    // ---- libkdumpfile ----

    /**
     * What libkdumpfile read from a dump file, compared page by page with the vmcore it was made from.
     *
     * @param format          libkdumpfile's {@code file.format} of the dump ({@code diskdump}, {@code elf})
     * @param maxPfn          its {@code max_pfn} of the dump
     * @param vmcoreMaxPfn    its {@code max_pfn} of the vmcore
     * @param release         {@code linux.uts.release} of the dump, then of the vmcore
     * @param pagemap         the dump's {@code file.pagemap}: bit {@code pfn} set where the file holds the page
     * @param compared        pages read from both and compared (every set bit of {@code pagemap})
     * @param problems        {@code error} (a read failed) and {@code differs} (bytes differ) lines
     */
    public record PageComparison(String format, long maxPfn, long vmcoreMaxPfn, List<String> release, byte[] pagemap,
            long compared, List<String> problems, ToolRun run) {
        public boolean inFile(long pfn) {
            return pfn < maxPfn && (pagemap[(int) (pfn >>> 3)] >> (pfn & 7) & 1) != 0;
        }
    }

    /** Runs {@code kdumpfile_compare.py vmcore dump}: every page the dump holds, read with libkdumpfile from both. */
    public static PageComparison comparePages(Path vmcore, Path dump) throws IOException {
        ToolRun r = python("kdumpfile_compare.py", List.of(vmcore.toString(), dump.toString()));
        if (!r.ok()) {
            throw new AssertionError("libkdumpfile could not compare " + dump + " with " + vmcore + ":\n" + r.describe(4000));
        }
        String format = null;
        long maxPfn = -1;
        long vmcoreMaxPfn = -1;
        List<String> release = List.of();
        byte[] pagemap = null;
        long compared = -1;
        List<String> problems = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "format" -> format = f[1];
                case "max_pfn" -> {
                    maxPfn = Long.parseLong(f[1]);
                    vmcoreMaxPfn = parseOr(f[2]);
                }
                case "release" -> release = List.of(f[1], f[2]);
                case "file" -> pagemap = HexFormat.of().parseHex(f[1]);
                case "error", "differs" -> problems.add(line);
                case "compared" -> compared = Long.parseLong(f[1]);
                case "" -> { }
                default -> throw new AssertionError("kdumpfile_compare.py printed an unknown line: " + line);
            }
        }
        if (pagemap == null || compared < 0) {
            throw new AssertionError("kdumpfile_compare.py stopped early:\n" + r.describe(4000));
        }
        return new PageComparison(format, maxPfn, vmcoreMaxPfn, release, pagemap, compared, problems, r);
    }

    private static long parseOr(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- helpers ----

    private static ToolRun python(String script, List<String> args) throws IOException {
        Path file = Files.createTempFile(script.replace(".py", ""), ".py");
        try (InputStream in = AnalysisTools.class.getResourceAsStream(script)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("resource " + script + " is missing"));
            }
            Files.write(file, in.readAllBytes());
            List<String> cmd = new ArrayList<>(List.of(Corpus.systemPython(), file.toString()));
            cmd.addAll(args);
            return run(cmd, null, Duration.ofMinutes(5));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** {@code name} as a file-name-safe word (for output files named after test cases). */
    public static String safeName(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
    }
}
