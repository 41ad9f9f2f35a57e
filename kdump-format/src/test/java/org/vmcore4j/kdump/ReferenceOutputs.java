package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.vmcore4j.testdata.Corpus;

/**
 * makedumpfile 1.7.9's outputs for a corpus dump, generated once into {@code target/mdf-outputs/<dump>/}
 * and reused by every test class and run (a stamp records the vmcore's size and mtime and the
 * command, so a rebuilt corpus regenerates them).
 */
final class ReferenceOutputs {
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

    private ReferenceOutputs() {
    }

    static Path dir(Corpus.Dump dump) throws IOException {
        Path d = Path.of("target", "mdf-outputs", dump.name()).toAbsolutePath();
        Files.createDirectories(d);
        return d;
    }

    /** {@code makedumpfile <options> vmcore <name>}: a kdump-compressed or ELF output file. */
    static Path output(Corpus.Dump dump, String name, String... options) throws IOException {
        return output(dump, name, false, options);
    }

    /**
     * As {@link #output(Corpus.Dump, String, String...)}; with {@code mayFail}, makedumpfile's exit
     * status 1 is accepted as long as it wrote the file (an incomplete dump under {@code -L}).
     */
    static Path output(Corpus.Dump dump, String name, boolean mayFail, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(options));
        Path out = dir(dump).resolve(name);
        cmd.add(dump.vmcore().toString());
        cmd.add(out.toString());
        generate(dump, name, cmd, List.of(out), null, mayFail);
        return out;
    }

    /** {@code makedumpfile --split <options> vmcore name.1 .. name.N}. */
    static List<Path> split(Corpus.Dump dump, String name, int parts, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("--split"));
        cmd.addAll(List.of(options));
        cmd.add(dump.vmcore().toString());
        List<Path> outs = new ArrayList<>();
        for (int i = 1; i <= parts; i++) {
            Path p = dir(dump).resolve(name + "." + i);
            outs.add(p);
            cmd.add(p.toString());
        }
        generate(dump, name, cmd, outs, null, false);
        return outs;
    }

    /** {@code makedumpfile -F <options> vmcore > name}: a flattened stream. */
    static Path flattened(Corpus.Dump dump, String name, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("-F"));
        cmd.addAll(List.of(options));
        cmd.add(dump.vmcore().toString());
        Path out = dir(dump).resolve(name);
        generate(dump, name, cmd, List.of(out), out, false);
        return out;
    }

    /** {@code makedumpfile -R name < flat}: the reference rearrangement. */
    static Path rearranged(Corpus.Dump dump, String name, Path flat) throws IOException {
        Path out = dir(dump).resolve(name);
        List<String> cmd = new ArrayList<>(List.of("-R", out.toString()));
        synchronized (LOCKS.computeIfAbsent(dump.name() + "/" + name, k -> new Object())) {
            Path stamp = dir(dump).resolve(name + ".stamp");
            String want = stampText(dump, cmd) + " < " + Files.size(flat);
            if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(want) && Files.isRegularFile(out)) {
                return out;
            }
            Files.deleteIfExists(out);
            run(cmd, flat, null, name, false);
            Files.writeString(stamp, want);
        }
        return out;
    }

    private static void generate(Corpus.Dump dump, String name, List<String> args, List<Path> outs, Path stdout,
            boolean mayFail) throws IOException {
        synchronized (LOCKS.computeIfAbsent(dump.name() + "/" + name, k -> new Object())) {
            Path stamp = dir(dump).resolve(name + ".stamp");
            String want = stampText(dump, args);
            boolean ok = Files.isRegularFile(stamp) && Files.readString(stamp).equals(want);
            for (Path p : outs) {
                ok &= Files.isRegularFile(p);
            }
            if (ok) {
                return;
            }
            for (Path p : outs) {
                Files.deleteIfExists(p);
            }
            run(args, null, stdout, name, mayFail);
            Files.writeString(stamp, want);
        }
    }

    private static String stampText(Corpus.Dump dump, List<String> args) throws IOException {
        return Files.size(dump.vmcore()) + " " + Files.getLastModifiedTime(dump.vmcore()).toMillis() + " "
                + String.join(" ", args);
    }

    private static void run(List<String> args, Path stdin, Path stdout, String name, boolean mayFail) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Corpus.requireMakedumpfile().toString());
        cmd.add("--message-level");
        cmd.add("0");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path log = Files.createTempFile("mdf-" + name.replace('/', '_'), ".log");
        pb.redirectError(log.toFile());
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        if (stdout != null) {
            pb.redirectOutput(stdout.toFile());
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        try {
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("makedumpfile timed out: " + cmd);
            }
            if (p.exitValue() != 0 && !(mayFail && p.exitValue() == 1)) {
                throw new IOException("makedumpfile failed (" + p.exitValue() + "): " + cmd + "\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
