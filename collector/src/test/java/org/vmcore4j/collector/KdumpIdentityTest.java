package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;

/**
 * Our kdump-compressed files against makedumpfile 1.7.9's with the same options, on the real corpus:
 * byte for byte for zlib, LZO, snappy and zstd at {@code -d 0}, {@code -d 1} and {@code -d 31} (LZO
 * through our own encoder, which writes what liblzo2's {@code lzo1x_1_compress} writes).
 */
@RequiresCorpus
@RequiresMakedumpfile
class KdumpIdentityTest {
    private static final List<String> SUMMARY = Collections.synchronizedList(new ArrayList<>());

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            for (int level : new int[] {0, 1}) {
                for (Compression c : new Compression[] {Compression.ZLIB, Compression.SNAPPY, Compression.ZSTD,
                        Compression.LZO}) {
                    out.add(Arguments.of(d, level, c));
                }
            }
        }
        return out.stream();
    }

    static String option(Compression c) {
        return switch (c) {
            case ZLIB -> "-c";
            case LZO -> "-l";
            case SNAPPY -> "-p";
            case ZSTD -> "-z";
            default -> throw new IllegalArgumentException(c.toString());
        };
    }

    @ParameterizedTest(name = "{0} -d {1} {2}")
    @MethodSource("cases")
    void equalsMakedumpfile(Corpus.Dump d, int level, Compression c) throws Exception {
        equalsMakedumpfile(d, level, c, 0);
    }

    private void equalsMakedumpfile(Corpus.Dump d, int level, Compression c, int workers) throws Exception {
        equalsMakedumpfile(d, level, c, workers, OpenOptions.defaults());
    }

    private void equalsMakedumpfile(Corpus.Dump d, int level, Compression c, int workers, OpenOptions open)
            throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "kdump-identity"));
        Path theirs = dir.resolve(d.name() + "-mdf-" + level + c);
        Path ours = dir.resolve(d.name() + "-ours-" + level + c);
        try {
            runMakedumpfile(List.of(option(c), "-d", Integer.toString(level)), d.vmcore(), theirs);
            FilterReport report;
            try (Vmcore dump = Vmcore.open(d.vmcore(), open); DumpSink sink = DumpSink.toFile(ours)) {
                report = KdumpCollector.write(dump, PageFilter.forLevel(level), KdumpCollector.Options.of(c).withWorkers(workers), sink,
                        CollectorListener.NONE);
            }
            long mismatch = KdumpComparison.firstDifference(theirs, ours);
            if (mismatch >= 0) {
                fail(KdumpComparison.describe(theirs, ours, mismatch));
            }
            SUMMARY.add(String.format(Locale.ROOT, "%-16s %s -d %2d: %,d bytes, byte-identical (%,d pages, %,d zero)%s", d.name(),
                    option(c), level, Files.size(ours), report.remainingPages(), report.zeroPages(),
                    (workers > 1 ? ", " + workers + " workers" : "")
                            + (open.readMode() != OpenOptions.ReadMode.MAPPED ? ", read " + open.readMode() : "")));
            try (KdumpVmcore k = KdumpVmcore.open(ours)) {
                assertEquals(level, k.dumpLevel());
            }
        } finally {
            Files.deleteIfExists(theirs);
            Files.deleteIfExists(ours);
        }
    }

    /**
     * {@code --split} into 2 and 3 files with 64 MiB split blocks (the 1 GiB default would put a whole
     * corpus dump into the first file): each file byte-identical to makedumpfile's, and the set
     * reads back as one dump; written with 3 workers, so ordering across workers is covered too.
     */
    @ParameterizedTest(name = "{0} --split x{1}")
    @MethodSource("splitCases")
    void splitSetEqualsMakedumpfile(Corpus.Dump d, int files) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "kdump-identity"));
        List<Path> theirs = new ArrayList<>();
        List<Path> ours = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            theirs.add(dir.resolve(d.name() + "-mdf-split" + files + "-" + i));
            ours.add(dir.resolve(d.name() + "-ours-split" + files + "-" + i));
        }
        try {
            List<String> args = new ArrayList<>(List.of("--split", "-z", "-d", "31", "--splitblock-size", "65536"));
            args.add(d.vmcore().toString());
            theirs.forEach(p -> args.add(p.toString()));
            runMakedumpfile(args, null, null);
            List<DumpSink> sinks = new ArrayList<>();
            FilterReport report;
            try (Vmcore dump = Vmcore.open(d.vmcore())) {
                for (Path p : ours) {
                    sinks.add(DumpSink.toFile(p));
                }
                report = KdumpCollector.writeSplit(dump, PageFilter.forLevel(31),
                        KdumpCollector.Options.of(Compression.ZSTD).withWorkers(3), sinks, 64L << 20,
                        CollectorListener.NONE);
            } finally {
                for (DumpSink s : sinks) {
                    s.close();
                }
            }
            StringBuilder sizes = new StringBuilder();
            for (int i = 0; i < files; i++) {
                long mismatch = KdumpComparison.firstDifference(theirs.get(i), ours.get(i));
                if (mismatch >= 0) {
                    fail("split file " + i + ": " + KdumpComparison.describe(theirs.get(i), ours.get(i), mismatch));
                }
                sizes.append(String.format(Locale.ROOT, " %,d", Files.size(ours.get(i))));
            }
            try (KdumpVmcore set = KdumpVmcore.openSplitSet(ours); Vmcore whole = Vmcore.open(d.vmcore())) {
                assertEquals(files, set.files().size());
                ElfPagesCheck.assertDumpablePagesEqual(set, whole, 4000);
            }
            SUMMARY.add(String.format(Locale.ROOT, "%-16s --split x%d -z -d 31 (3 workers): files of%s bytes, each byte-identical "
                    + "(%,d pages)", d.name(), files, sizes, report.remainingPages()));
        } finally {
            for (Path p : theirs) {
                Files.deleteIfExists(p);
            }
            for (Path p : ours) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Stream<Arguments> splitCases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            out.add(Arguments.of(d, 2));
            out.add(Arguments.of(d, 3));
        }
        return out.stream();
    }

    /** {@code -d 31} with every codec, written by 4 workers: byte-identical to makedumpfile's. */
    @ParameterizedTest(name = "{0} -d 31 {1}, 4 workers")
    @MethodSource("level31Cases")
    void level31WithWorkersEqualsMakedumpfile(Corpus.Dump d, Compression c) throws Exception {
        equalsMakedumpfile(d, 31, c, 4);
    }

    /**
     * The two ways the command line reads a dump as it collects: pread (files) and one mapped window
     * per thread (/proc/vmcore), single-threaded and with 2 workers: makedumpfile's files.
     */
    @ParameterizedTest(name = "{0} read {1}")
    @MethodSource("readModeCases")
    void streamingReadModesEqualMakedumpfile(Corpus.Dump d, OpenOptions.ReadMode mode) throws Exception {
        OpenOptions open = OpenOptions.defaults().withReadMode(mode);
        equalsMakedumpfile(d, 31, Compression.LZO, 0, open);
        equalsMakedumpfile(d, 1, Compression.ZSTD, 2, open);
    }

    static Stream<Arguments> readModeCases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            out.add(Arguments.of(d, OpenOptions.ReadMode.PREAD));
            out.add(Arguments.of(d, OpenOptions.ReadMode.WINDOWED));
        }
        return out.stream();
    }

    static Stream<Arguments> level31Cases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            for (Compression c : new Compression[] {Compression.ZLIB, Compression.SNAPPY, Compression.ZSTD,
                    Compression.LZO}) {
                out.add(Arguments.of(d, c));
            }
        }
        return out.stream();
    }

    /** Runs makedumpfile with {@code args}, then {@code vmcore} and {@code out} when not null. */
    static void runMakedumpfile(List<String> args, Path vmcore, Path out) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Corpus.requireMakedumpfile().toString());
        cmd.addAll(args);
        if (vmcore != null) {
            cmd.add(vmcore.toString());
            cmd.add(out.toString());
            Files.deleteIfExists(out);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(cmd + " failed:\n" + output);
        }
    }

    @AfterAll
    static void summary() throws IOException {
        List<String> lines = new ArrayList<>(SUMMARY);
        Collections.sort(lines);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "kdump-identity.txt"), lines);
        lines.forEach(System.out::println);
    }
}
