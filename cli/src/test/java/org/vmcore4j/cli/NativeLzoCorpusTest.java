package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ok;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * {@code -l} on Java 22 and later, where pages are encoded by liblzo2's own {@code lzo1x_1_compress}
 * through the foreign function interface: the files are makedumpfile's byte for byte, and
 * {@code -v} says which encoder runs and, where it is the pure-Java one, why.
 *
 * <p>The build runs on Java 17, so this test starts a second JDK, 22 or later: the one named by
 * {@code -Dvmcore4j.java22.home} or {@code JAVA22_HOME}, else the newest under {@code /usr/lib/jvm}
 * (the build machines carry Temurin 25 there). Without one it fails, naming what to install.
 */
@RequiresCorpus
@RequiresMakedumpfile
class NativeLzoCorpusTest {
    private static final String NATIVE = "lzo encoder: lzo1x_1: liblzo2.so.2 through the foreign function interface";
    private static Path dir;
    private static String java22;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("native-lzo");
        java22 = findJava22().orElseGet(() -> fail("no JDK 22 or later: install one (Temurin 25 under /usr/lib/jvm), "
                + "or name it with -Dvmcore4j.java22.home=DIR or JAVA22_HOME"));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    /** {@code java [options] -cp <class path> org.vmcore4j.cli.Main args} on the Java 22+ runtime. */
    private static List<String> ours(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(CollectorHarness.ours(jvmOptions, args));
        cmd.set(0, java22);
        return cmd;
    }

    /** With native access the encoder is liblzo2; without it, the pure-Java one, and -v says why. */
    @Test
    void versionNamesTheEncoder() throws Exception {
        Result on = ok(ours(List.of("--enable-native-access=ALL-UNNAMED"), "-v"), dir);
        assertTrue(on.out().contains(NATIVE), on::toString);
        Result off = ok(ours(List.of(), "-v"), dir);
        assertTrue(off.out().contains("lzo encoder: lzo1x_1: pure Java with checked loads (VarHandle); native access is not enabled"), off::toString);
        assertTrue(!off.err().contains("WARNING"), off::toString);
        Result java17 = ok(CollectorHarness.ours("-v"), dir);
        assertTrue(java17.out().contains("lzo encoder: lzo1x_1: pure Java with unchecked loads (sun.misc.Unsafe); Java " + Runtime.version().feature()
                + " has no foreign function interface"), java17::toString);
    }

    /** -l -d 31 (one thread) and --num-threads 2 -l -d 1 through liblzo2: makedumpfile's files. */
    @ParameterizedTest
    @MethodSource("dumps")
    void nativeEncoderWritesMakedumpfilesFiles(Corpus.Dump dump) throws Exception {
        assertWritesMakedumpfilesFiles(dump, List.of("--enable-native-access=ALL-UNNAMED"), "liblzo2");
    }

    /**
     * Without native access Java 23+ encodes in Java through checked byte-array views (Java 17, which
     * the rest of the build runs on, uses sun.misc.Unsafe there): the same files, and no warning.
     */
    @ParameterizedTest
    @MethodSource("dumps")
    void checkedJavaEncoderWritesMakedumpfilesFiles(Corpus.Dump dump) throws Exception {
        Result v = ok(ours(List.of(), "-v"), dir);
        assertTrue(v.out().contains("lzo encoder: lzo1x_1: pure Java with checked loads (VarHandle)"), v::toString);
        assertWritesMakedumpfilesFiles(dump, List.of(), "the pure-Java encoder");
    }

    private static void assertWritesMakedumpfilesFiles(Corpus.Dump dump, List<String> access, String encoder)
            throws Exception {
        String vmcore = dump.vmcore().toString();
        List<String> jvm = new ArrayList<>(access);
        jvm.addAll(List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1"));
        for (List<String> options : List.of(List.of("-l", "-d", "31"), List.of("--num-threads", "2", "-l", "-d", "1"))) {
            Path o = dir.resolve("o.l");
            Path m = dir.resolve("m.l");
            Files.deleteIfExists(o);
            Files.deleteIfExists(m);
            List<String> args = new ArrayList<>(options);
            args.add(vmcore);
            Result r = ok(ours(jvm, Stream.concat(args.stream(), Stream.of(o.toString())).toArray(String[]::new)), dir);
            assertTrue(r.out().contains("vmcore4j Completed."), r::toString);
            assertTrue(!r.err().contains("WARNING"), r::toString);
            List<String> mdf = new ArrayList<>(options.subList(options.indexOf("-l"), options.size()));
            mdf.add(vmcore);
            mdf.add(m.toString());
            ok(makedumpfile(mdf.toArray(String[]::new)), dir);
            CollectorHarness.assertSameBytes(m, o);
            System.out.printf(Locale.ROOT, "%s %s through %s: %d bytes, equal to makedumpfile's%n", dump,
                    String.join(" ", options), encoder, Files.size(o));
        }
    }

    static Optional<String> findJava22() throws IOException {
        String named = System.getProperty("vmcore4j.java22.home", System.getenv("JAVA22_HOME"));
        if (named != null && !named.isBlank()) {
            Path java = Path.of(named, "bin", "java");
            assertTrue(Files.isExecutable(java) && feature(Path.of(named)) >= 22, named + " is not a JDK 22 or later");
            return Optional.of(java.toString());
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && feature(h) >= 22)
                    .max((a, b) -> Integer.compare(feature(a), feature(b)))
                    .map(h -> h.resolve("bin/java").toString());
        }
    }

    /** JAVA_VERSION's feature number from a JDK's {@code release} file; 0 if unreadable. */
    private static int feature(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=\"")) {
                    String v = line.substring("JAVA_VERSION=\"".length());
                    return Integer.parseInt(Arrays.stream(v.split("[.\"]")).findFirst().orElse("0"));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
