package org.vmcore4j.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Locates the real-dump corpus ({@code VMCORE4J_CORPUS}, else {@code ~/.cache/vmcore4j-corpus}) built
 * by {@code testdata/tools/make-corpus.sh}, and the reference tools the differential tests run.
 * Tests that need them carry {@link RequiresCorpus}, {@link RequiresMakedumpfile},
 * {@link RequiresLibkdumpfile} or {@link RequiresCommand}, which skip with a reason where they are
 * absent, or fail where {@code VMCORE4J_REQUIRE_CORPUS=1} says they must be there (CI).
 */
public final class Corpus {
    /** The makedumpfile version the differential tests are written against. */
    public static final String REFERENCE_MAKEDUMPFILE_VERSION = "1.7.9";

    private Corpus() {
    }

    /** One dump of the corpus: a folder holding {@code vmcore}, {@code elf_info.txt} and {@code gen/}. */
    public record Dump(String name, Path dir) {
        public Path vmcore() {
            return dir.resolve("vmcore");
        }

        public Path genDir() {
            return dir.resolve("gen");
        }

        /** A {@code key=value} from {@code gen/params.txt} (kernel, arch, kver, ram_mib, vcpus, kexec, ...). */
        public Optional<String> param(String key) {
            Path p = genDir().resolve("params.txt");
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            try {
                for (String line : Files.readAllLines(p)) {
                    for (String word : line.split(" ")) {
                        if (word.startsWith(key + "=")) {
                            return Optional.of(word.substring(key.length() + 1));
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Optional.empty();
        }

        /** A QEMU image of the whole guest taken with {@code make-vmcore.sh -G}, e.g. {@code guest-memory.elf}. */
        public Path guestImage(String fileName) {
            return dir.resolve(fileName);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The dump {@code name} built with {@code make-vmcore.sh -G} (its /proc/vmcore and QEMU images of the
     * whole guest), if the corpus holds it complete. Such dumps are left out of {@link #dumps()}: their
     * /proc/vmcore is no different in kind from the standard set's, and every corpus test running on
     * them too would double the test time.
     */
    public static Optional<Dump> guestImageDump(String name) {
        Path d = directory().resolve(name);
        return isComplete(d) && Files.isRegularFile(d.resolve(GUEST_IMAGE)) ? Optional.of(new Dump(name, d)) : Optional.empty();
    }

    /** The whole-guest ELF image {@code make-vmcore.sh -G} takes while the crash kernel runs. */
    public static final String GUEST_IMAGE = "guest-memory.elf";

    /** The corpus folder: {@code VMCORE4J_CORPUS} if set, else {@code ~/.cache/vmcore4j-corpus}. */
    public static Path directory() {
        String env = System.getenv("VMCORE4J_CORPUS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("vmcore4j-corpus");
    }

    /** Every complete dump in the corpus, sorted by name; empty where there is no corpus. */
    public static List<Dump> dumps() {
        Path dir = directory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Dump> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(d -> isComplete(d) && !Files.exists(d.resolve(GUEST_IMAGE))).sorted().forEach(d -> out.add(new Dump(d.getFileName().toString(), d)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The x86_64 dumps of the corpus (the ones every foundation test runs on). */
    public static List<Dump> x86_64Dumps() {
        return dumps().stream().filter(d -> d.param("arch").map("amd64"::equals).orElse(true)).toList();
    }

    /**
     * The aarch64 dumps of the corpus ({@code arch=arm64} in {@code params.txt}): the 52-bit one
     * and the 48-bit one ({@code arm64.nolva}), as {@code make-corpus.sh} builds them.
     */
    public static List<Dump> aarch64Dumps() {
        return dumps().stream().filter(d -> d.param("arch").map("arm64"::equals).orElse(false)).toList();
    }

    /** Whether the kernel of aarch64 dump {@code d} was booted with {@code arm64.nolva} (48-bit addresses). */
    public static boolean booted48Bit(Dump d) {
        Path p = d.genDir().resolve("params.txt");
        try {
            return Files.isRegularFile(p) && Files.readString(p).contains("arm64.nolva");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The reference makedumpfile for aarch64 dumps (upstream b7587f1 under qemu-user) from
     * {@code VMCORE4J_MAKEDUMPFILE_ARM64}, as {@code testdata/tools/build-makedumpfile-arm64.sh} prints it.
     */
    public static Optional<Path> makedumpfileArm64() {
        String env = System.getenv("VMCORE4J_MAKEDUMPFILE_ARM64");
        if (env == null || env.isBlank()) {
            return Optional.empty();
        }
        Path p = Path.of(env);
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    private static boolean isComplete(Path d) {
        try {
            return Files.isDirectory(d) && Files.size(d.resolve("vmcore")) > 0 && Files.isRegularFile(d.resolve("elf_info.txt"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The folder of the kernels' debug vmlinux files, as {@code testdata/tools/get-vmlinux.sh} fills it
     * ({@code KVER/vmlinux-KVER}): {@code VMCORE4J_VMLINUX_DIR} if set, else
     * {@code ${XDG_CACHE_HOME:-~/.cache}/vmcore4j-lab/dbg}, the script's own default.
     */
    public static Path vmlinuxDirectory() {
        String env = System.getenv("VMCORE4J_VMLINUX_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("vmcore4j-lab").resolve("dbg");
    }

    /**
     * The debug vmlinux of the kernel {@code d} was made from ({@code kver} of its {@code params.txt}),
     * if {@code testdata/tools/get-vmlinux.sh} (or {@code prepare-vmlinux.sh}) has fetched it.
     */
    public static Optional<Path> vmlinux(Dump d) {
        return d.param("kver").map(k -> vmlinuxDirectory().resolve(k).resolve("vmlinux-" + k)).filter(p -> {
            try {
                return Files.isRegularFile(p) && Files.size(p) > 0;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The reference makedumpfile from {@code VMCORE4J_MAKEDUMPFILE}, if set and executable. */
    public static Optional<Path> makedumpfile() {
        String env = System.getenv("VMCORE4J_MAKEDUMPFILE");
        if (env == null || env.isBlank()) {
            return Optional.empty();
        }
        Path p = Path.of(env);
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    /** {@link #makedumpfile()} or an exception saying how to provide it. */
    public static Path requireMakedumpfile() {
        return makedumpfile().orElseThrow(() -> new IllegalStateException(
                "VMCORE4J_MAKEDUMPFILE does not name the reference makedumpfile " + REFERENCE_MAKEDUMPFILE_VERSION));
    }

    /**
     * The Python that has Debian's {@code python3-libkdumpfile} and {@code python3-drgn}: the system
     * one, {@code /usr/bin/python3}, even where another python3 comes first on the PATH.
     */
    public static String systemPython() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Whether {@code VMCORE4J_REQUIRE_CORPUS=1}: missing prerequisites fail tests instead of skipping them. */
    public static boolean required() {
        return "1".equals(System.getenv("VMCORE4J_REQUIRE_CORPUS"));
    }
}
