package org.vmcore4j.testdata;

import java.io.File;
import java.lang.reflect.AnnotatedElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit condition behind the {@code Requires*} annotations: disables a test whose prerequisites
 * are absent, saying which and how to get them; with {@code VMCORE4J_REQUIRE_CORPUS=1} it fails
 * the test instead, so CI can never pass by skipping the real-dump tests.
 */
public final class Prerequisites implements ExecutionCondition {
    private static final Map<String, String> PROBES = new ConcurrentHashMap<>();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<AnnotatedElement> element = context.getElement();
        if (element.isEmpty()) {
            return ConditionEvaluationResult.enabled("no element");
        }
        List<String> missing = new ArrayList<>();
        AnnotatedElement e = element.get();
        if (AnnotationSupport.isAnnotated(e, RequiresCorpus.class) && Corpus.dumps().isEmpty()) {
            missing.add("no corpus dumps in " + Corpus.directory()
                    + " (build them with testdata/tools/make-corpus.sh, or set VMCORE4J_CORPUS)");
        }
        if (AnnotationSupport.isAnnotated(e, RequiresMakedumpfile.class)) {
            String why = makedumpfileProblem();
            if (why != null) {
                missing.add(why);
            }
        }
        if (AnnotationSupport.isAnnotated(e, RequiresAarch64Corpus.class)) {
            List<Corpus.Dump> a64 = Corpus.aarch64Dumps();
            if (a64.stream().noneMatch(Corpus::booted48Bit) || a64.stream().allMatch(Corpus::booted48Bit)) {
                missing.add("the corpus in " + Corpus.directory() + " lacks its two aarch64 dumps (52- and 48-bit; "
                        + "testdata/tools/make-corpus.sh builds them)");
            }
        }
        if (AnnotationSupport.isAnnotated(e, RequiresMakedumpfileArm64.class) && Corpus.makedumpfileArm64().isEmpty()) {
            missing.add("VMCORE4J_MAKEDUMPFILE_ARM64 does not name the aarch64 reference makedumpfile "
                    + "(build it with testdata/tools/build-makedumpfile-arm64.sh)");
        }
        if (AnnotationSupport.isAnnotated(e, RequiresLibkdumpfile.class)
                && !probe(Corpus.systemPython(), "-c", "import kdumpfile")) {
            missing.add("python3-libkdumpfile is not installed (apt-get install python3-libkdumpfile)");
        }
        if (AnnotationSupport.isAnnotated(e, RequiresVmlinux.class)) {
            List<Corpus.Dump> needing = new ArrayList<>(Corpus.x86_64Dumps());
            if (AnnotationSupport.isAnnotated(e, RequiresAarch64Corpus.class)) {
                needing = new ArrayList<>(Corpus.aarch64Dumps());
            }
            for (Corpus.Dump d : needing) {
                if (Corpus.vmlinux(d).isEmpty()) {
                    missing.add("no debug vmlinux for corpus dump " + d.name() + " (kernel "
                            + d.param("kver").orElse("?") + ") in " + Corpus.vmlinuxDirectory()
                            + " (run testdata/tools/prepare-vmlinux.sh " + d.dir() + ", or set VMCORE4J_VMLINUX_DIR)");
                }
            }
        }
        AnnotationSupport.findAnnotation(e, RequiresCommand.class).ifPresent(rc -> {
            for (String cmd : rc.value()) {
                if (!onPath(cmd)) {
                    missing.add("command '" + cmd + "' is not on the PATH");
                }
            }
        });
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("prerequisites present");
        }
        String reason = String.join("; ", missing);
        if (Corpus.required()) {
            throw new IllegalStateException("VMCORE4J_REQUIRE_CORPUS=1 but " + reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    /**
     * For a prerequisite a test can only find out while it runs (a tool's version, root to mount a
     * tmpfs, an architecture not supported yet): where {@code present} is false, skips the test with
     * {@code missing} as the reason, or, under {@code VMCORE4J_REQUIRE_CORPUS=1}, fails it with that
     * reason, as the {@code Requires*} annotations do.
     */
    public static void assumePresent(boolean present, String missing) {
        if (present) {
            return;
        }
        if (Corpus.required()) {
            Assertions.fail("VMCORE4J_REQUIRE_CORPUS=1 but " + missing);
        }
        Assumptions.abort(missing);
    }

    private static String makedumpfileProblem() {
        Optional<Path> bin = Corpus.makedumpfile();
        if (bin.isEmpty()) {
            return "VMCORE4J_MAKEDUMPFILE does not name an executable makedumpfile "
                    + "(build it with testdata/tools/build-makedumpfile.sh)";
        }
        String version = PROBES.computeIfAbsent("mdf:" + bin.get(), k -> output(bin.get().toString(), "-v"));
        if (!version.contains("makedumpfile: version " + Corpus.REFERENCE_MAKEDUMPFILE_VERSION)) {
            return bin.get() + " is not makedumpfile " + Corpus.REFERENCE_MAKEDUMPFILE_VERSION + " (it says: "
                    + version.lines().findFirst().orElse("nothing") + ")";
        }
        return null;
    }

    private static boolean probe(String... cmd) {
        return "0".equals(PROBES.computeIfAbsent(String.join(" ", cmd), k -> {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                return p.waitFor(60, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "timeout";
            } catch (Exception ex) {
                return "error";
            }
        }));
    }

    private static String output(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (Exception ex) {
            return "";
        }
    }

    static boolean onPath(String cmd) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }
}
