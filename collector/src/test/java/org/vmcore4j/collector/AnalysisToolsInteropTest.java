package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.FlattenedSink;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.AnalysisTools.CrashResult;
import org.vmcore4j.testdata.AnalysisTools.PageComparison;
import org.vmcore4j.testdata.AnalysisTools.ToolRun;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.testdata.RequiresVmlinux;
import org.vmcore4j.filter.CorpusSupport;
import org.vmcore4j.filter.PageFilter;

/**
 * Every kind of file we write is opened by the analysis tools, on both corpus dumps: {@code -d 31}
 * with each codec, {@code -d 0}, {@code -E}, our {@code -F} stream rearranged by
 * {@code makedumpfile -R}, and our {@code --split} set joined by {@code makedumpfile --reassemble}.
 * For each file, written once and used by every tool:
 * <ul>
 * <li>makedumpfile 1.7.9 re-filters it to {@code -d 31} (exit 0), and the result opens with our
 * reader holding the same pages as the file when that was already {@code -d 31};
 * <li>libkdumpfile (0.5.1) reads, at every page the file holds, the same bytes as it reads from the
 * vmcore, and holds exactly the pages our reader says are present;
 * <li>Linux 6.1: crash 8.0.2 with the debug vmlinux runs {@code sys}, {@code log}, {@code bt -a}
 * with exit 0, no error or warning line crash does not also print on the vmcore, and output equal to
 * crash's on the vmcore but for the {@code DUMPFILE:} line;
 * <li>Linux 6.12 (which crash 8.0.2 cannot read): drgn 0.0.22 prints the same release, crashed
 * thread, per-CPU stack traces with registers, and kernel log as on the vmcore.
 * </ul>
 * A dump the analysis tools cannot open is a failed dump, whatever our own reader says.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
@RequiresVmlinux
@RequiresCommand("crash")
class AnalysisToolsInteropTest {
    private static final Path DIR = Path.of("target", "analysis-tools");
    private static final List<String> SUMMARY = Collections.synchronizedList(new ArrayList<>());
    /** What crash or drgn prints on the original vmcore, per dump: computed once. */
    private static final Map<String, Object> BASELINES = new ConcurrentHashMap<>();
    /** Pages of our own {@code -d 31} file per dump (any codec), for the re-filter check of {@code -d 0}. */
    private static final Map<String, Long> D31_PAGES = new ConcurrentHashMap<>();

    /** The kinds of files we write. */
    enum Output {
        D31_ZLIB("-d 31 -c"), D31_LZO("-d 31 -l"), D31_SNAPPY("-d 31 -p"), D31_ZSTD("-d 31 -z"),
        D0_LZO("-d 0 -l"), ELF("-d 31 -E"), FLAT_REARRANGED("-d 31 -p -F | makedumpfile -R"),
        SPLIT_REASSEMBLED("-d 31 -z --split x3 | makedumpfile --reassemble");

        final String label;

        Output(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            for (Output o : Output.values()) {
                out.add(Arguments.of(d, o));
            }
        }
        return out.stream();
    }

    /** crash 8.0.2 reads Linux up to 6.1 here; newer dumps are checked with drgn. */
    static boolean usesCrash(Corpus.Dump d) {
        return d.param("kernel").map("6.1"::equals).orElse(false);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void analysisToolsOpenOurFile(Corpus.Dump d, Output o) throws Exception {
        CorpusSupport.assumeTranslation(d);
        Path vmlinux = AnalysisTools.requireVmlinux(d);
        Files.createDirectories(DIR);
        String base = d.name() + "-" + o.name().toLowerCase(Locale.ROOT);
        Path file = DIR.resolve(base);
        Path refiltered = DIR.resolve(base + ".refiltered");
        List<Path> temporary = new ArrayList<>(List.of(file, refiltered));
        long t0 = System.nanoTime();
        CompletableFuture<Object> viewer = null;
        try {
            write(d, o, file, temporary);
            long writeMs = (System.nanoTime() - t0) / 1_000_000;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-15s %-48s %,13d bytes (written in %,d ms)",
                    d.name(), o.label, Files.size(file), writeMs));

            // our reader: which pages the file holds
            long present = 0;
            byte[] ours;
            long endPfn;
            try (Vmcore v = Vmcore.open(file)) {
                PhysicalMemory mem = v.physicalMemory();
                endPfn = mem.endPfn();
                ours = new byte[(int) ((endPfn + 7) / 8)];
                for (long pfn = 0; pfn < endPfn; pfn++) {
                    if (mem.status(pfn) == PageStatus.PRESENT) {
                        ours[(int) (pfn >>> 3)] |= (byte) (1 << (pfn & 7));
                        present++;
                    }
                }
            }
            if (o.name().startsWith("D31") && o != Output.ELF) {
                D31_PAGES.put(d.name(), present);
            }

            // crash or drgn (the slowest check) runs meanwhile; its result is checked in step 3
            viewer = CompletableFuture.supplyAsync(() -> {
                try {
                    return usesCrash(d) ? AnalysisTools.crash(vmlinux, file, AnalysisTools.CRASH_COMMANDS)
                            : AnalysisTools.drgn(AnalysisTools.drgnVmlinux(vmlinux), file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            // 1. makedumpfile 1.7.9 re-filters it to -d 31
            ToolRun mdf = AnalysisTools.makedumpfile(List.of("-z", "-d", "31", file.toString(), refiltered.toString()),
                    null);
            if (!mdf.ok()) {
                fail("makedumpfile 1.7.9 cannot re-filter our " + o.label + " file to -d 31:\n" + mdf.describe(4000));
            }
            long refilteredPages;
            try (KdumpVmcore v = KdumpVmcore.open(refiltered)) {
                assertEquals(31, v.dumpLevel(), "dump level of makedumpfile's re-filtered file");
                refilteredPages = countPresent(v.physicalMemory());
            }
            if (o.name().startsWith("D31") || o == Output.FLAT_REARRANGED || o == Output.SPLIT_REASSEMBLED) {
                // a -d 31 file filtered again at -d 31 keeps every page it has
                assertEquals(present, refilteredPages, "pages of makedumpfile -d 31 on our " + o.label + " file");
            } else if (o == Output.ELF) {
                // makedumpfile keeps fewer pages from an ELF input (its zero-filled p_memsz tails and the
                // pages -E leaves out are not there to keep): as many as from its own -E file
                assertEquals(makedumpfileElfRefiltered(d), refilteredPages, "pages of makedumpfile -d 31 on our -E "
                        + "file, against makedumpfile -d 31 on makedumpfile's own -E file");
            } else if (D31_PAGES.containsKey(d.name())) {
                // -d 0 holds everything; makedumpfile cuts it down to what our -d 31 file holds
                assertEquals(D31_PAGES.get(d.name()), refilteredPages, "pages of makedumpfile -d 31 on our " + o.label
                        + " file, against our own -d 31 file");
            }
            Files.deleteIfExists(refiltered);
            line.append(String.format(Locale.ROOT, "; makedumpfile -d 31: exit 0, %,d pages (%,d ms)", refilteredPages, mdf.millis()));

            // 2. libkdumpfile: the same bytes as the vmcore at every page the file holds
            PageComparison cmp = AnalysisTools.comparePages(d.vmcore(), file);
            if (!cmp.problems().isEmpty()) {
                fail("libkdumpfile reads our " + o.label + " file differently from the vmcore at "
                        + cmp.problems().size() + " places, first: " + cmp.problems().subList(0,
                                Math.min(10, cmp.problems().size())));
            }
            assertEquals(cmp.release().get(1), cmp.release().get(0), "libkdumpfile's linux.uts.release");
            assertTrue(cmp.release().get(0).startsWith(d.param("kver").orElse("").replaceAll("-amd64$", "")),
                    "release " + cmp.release());
            if (o != Output.ELF) {
                assertEquals(cmp.vmcoreMaxPfn(), cmp.maxPfn(), "libkdumpfile's max_pfn");
            }
            for (long pfn = 0; pfn < Math.max(endPfn, cmp.maxPfn()); pfn++) {
                boolean ourBit = pfn < endPfn && (ours[(int) (pfn >>> 3)] >> (pfn & 7) & 1) != 0;
                if (ourBit != cmp.inFile(pfn)) {
                    fail("PFN " + pfn + ": libkdumpfile's file.pagemap says " + cmp.inFile(pfn)
                            + ", our reader says present=" + ourBit + " (" + o.label + ")");
                }
            }
            assertEquals(present, cmp.compared(), "pages libkdumpfile compared");
            line.append(String.format(Locale.ROOT, "; libkdumpfile (%s): %,d pages equal to the vmcore (%,d ms)", cmp.format(),
                    cmp.compared(), cmp.run().millis()));

            // 3. crash (6.1) or drgn (6.12) with the debug vmlinux: the same view as of the vmcore
            if (usesCrash(d)) {
                CrashResult base0 = crashBaseline(d, vmlinux);
                CrashResult r = (CrashResult) viewer.join();
                if (!r.run().ok()) {
                    fail("crash 8.0.2 failed on our " + o.label + " file:\n" + r.run().describe(4000));
                }
                assertEquals(base0.problems(), r.problems(), "crash's error and warning lines, ours vs the vmcore's");
                assertEquals(base0.normalised(), r.normalised(), "crash sys/log/bt -a, ours vs the vmcore's");
                line.append(String.format(Locale.ROOT, "; crash %s: exit 0, %,d lines equal to the vmcore's (%,d ms)",
                        AnalysisTools.CRASH_COMMANDS, r.normalised().split("\n").length, r.run().millis()));
            } else {
                Path drgnVmlinux = AnalysisTools.drgnVmlinux(vmlinux);
                ToolRun base0 = drgnBaseline(d, drgnVmlinux);
                ToolRun r = (ToolRun) viewer.join();
                if (!r.ok()) {
                    fail("drgn failed on our " + o.label + " file:\n" + r.describe(4000));
                }
                assertEquals(base0.stdout(), r.stdout(), "drgn's release, stacks and dmesg, ours vs the vmcore's");
                assertEquals(base0.stderr(), r.stderr(), "drgn's messages, ours vs the vmcore's");
                line.append(String.format(Locale.ROOT, "; drgn: %,d lines equal to the vmcore's (%,d ms)",
                        r.stdout().split("\n").length, r.millis()));
            }
            line.append(String.format(Locale.ROOT, "; total %,d ms", (System.nanoTime() - t0) / 1_000_000));
            SUMMARY.add(line.toString());
            System.out.println(line);
        } finally {
            if (viewer != null) {
                viewer.handle((r, e) -> null).join(); // never delete the file under a running crash or drgn
            }
            for (Path p : temporary) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes {@code o} of {@code d} into {@code file}; any intermediate files go into {@code temporary}. */
    private static void write(Corpus.Dump d, Output o, Path file, List<Path> temporary) throws Exception {
        Files.deleteIfExists(file);
        try (Vmcore dump = Vmcore.open(d.vmcore())) {
            switch (o) {
                case D31_ZLIB -> writeKdump(dump, 31, Compression.ZLIB, file);
                case D31_LZO -> writeKdump(dump, 31, Compression.LZO, file);
                case D31_SNAPPY -> writeKdump(dump, 31, Compression.SNAPPY, file);
                case D31_ZSTD -> writeKdump(dump, 31, Compression.ZSTD, file);
                case D0_LZO -> writeKdump(dump, 0, Compression.LZO, file);
                case ELF -> writeElf(dump, file);
                case FLAT_REARRANGED -> writeFlattenedThroughRearrange(dump, file);
                case SPLIT_REASSEMBLED -> writeSplitThroughReassemble(dump, file, temporary);
            }
        }
    }

    private static void writeKdump(Vmcore dump, int level, Compression c, Path file) throws IOException {
        try (DumpSink sink = DumpSink.toFile(file)) {
            KdumpCollector.write(dump, PageFilter.forLevel(level), KdumpCollector.Options.of(c).withWorkers(2), sink,
                    CollectorListener.NONE);
        }
    }

    private static void writeElf(Vmcore dump, Path file) throws IOException {
        try (DumpSink sink = DumpSink.toFile(file)) {
            ElfCollector.write(dump, PageFilter.forLevel(31), sink, CollectorListener.NONE);
        }
    }

    /** Our {@code -F} stream piped straight into {@code makedumpfile -R file}. */
    private static void writeFlattenedThroughRearrange(Vmcore dump, Path file) throws Exception {
        List<String> cmd = List.of(Corpus.requireMakedumpfile().toString(), "-R", file.toString());
        Path log = Files.createTempFile("mdf-R", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (OutputStream pipe = new BufferedOutputStream(p.getOutputStream(), 1 << 20)) {
                KdumpCollector.write(dump, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.SNAPPY)
                        .withWorkers(2), new FlattenedSink(pipe, "makedumpfile -R"), CollectorListener.NONE);
            } catch (IOException e) {
                p.destroyForcibly();
                throw new IOException("writing our flattened stream into " + cmd + " failed; it said: "
                        + Files.readString(log, StandardCharsets.ISO_8859_1), e);
            }
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                fail("makedumpfile -R cannot rearrange our flattened stream: "
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Our {@code --split} set of 3 files (64 MiB split blocks), joined by {@code makedumpfile --reassemble}. */
    private static void writeSplitThroughReassemble(Vmcore dump, Path file, List<Path> temporary) throws IOException {
        List<Path> parts = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path part = file.resolveSibling(file.getFileName() + ".part" + i);
            parts.add(part);
            temporary.add(part);
        }
        List<DumpSink> sinks = new ArrayList<>();
        try {
            for (Path p : parts) {
                sinks.add(DumpSink.toFile(p));
            }
            KdumpCollector.writeSplit(dump, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZSTD)
                    .withWorkers(2), sinks, 64L << 20, CollectorListener.NONE);
        } finally {
            for (DumpSink s : sinks) {
                s.close();
            }
        }
        List<String> args = new ArrayList<>(List.of("--reassemble"));
        parts.forEach(p -> args.add(p.toString()));
        args.add(file.toString());
        ToolRun r = AnalysisTools.makedumpfile(args, null);
        if (!r.ok()) {
            fail("makedumpfile --reassemble cannot join our split set:\n" + r.describe(4000));
        }
        for (Path p : parts) {
            Files.deleteIfExists(p);
        }
    }

    private static long countPresent(PhysicalMemory mem) {
        long n = 0;
        for (long pfn = 0; pfn < mem.endPfn(); pfn++) {
            if (mem.status(pfn) == PageStatus.PRESENT) {
                n++;
            }
        }
        return n;
    }

    /** Pages of {@code makedumpfile -d 31} run on makedumpfile's own {@code -E -d 31} file of {@code d}. */
    private static long makedumpfileElfRefiltered(Corpus.Dump d) throws IOException {
        Path elf = DIR.resolve(d.name() + "-mdf-elf");
        Path kdump = DIR.resolve(d.name() + "-mdf-elf.refiltered");
        try {
            Files.deleteIfExists(elf);
            ToolRun e = AnalysisTools.makedumpfile(List.of("-E", "-d", "31", d.vmcore().toString(), elf.toString()), null);
            assertTrue(e.ok(), e.describe(2000));
            ToolRun r = AnalysisTools.makedumpfile(List.of("-z", "-d", "31", elf.toString(), kdump.toString()), null);
            assertTrue(r.ok(), r.describe(2000));
            try (KdumpVmcore v = KdumpVmcore.open(kdump)) {
                return countPresent(v.physicalMemory());
            }
        } finally {
            Files.deleteIfExists(elf);
            Files.deleteIfExists(kdump);
        }
    }

    private static CrashResult crashBaseline(Corpus.Dump d, Path vmlinux) throws IOException {
        synchronized (BASELINES) {
            Object b = BASELINES.get(d.name());
            if (b == null) {
                CrashResult r = AnalysisTools.crash(vmlinux, d.vmcore(), AnalysisTools.CRASH_COMMANDS);
                if (!r.run().ok() || !r.normalised().contains("PID:")) {
                    fail("crash 8.0.2 does not read the vmcore itself:\n" + r.run().describe(4000));
                }
                SUMMARY.add(String.format(Locale.ROOT, "%-15s the vmcore: crash %s, %,d lines, problem lines also printed there: %s",
                        d.name(), AnalysisTools.CRASH_COMMANDS, r.normalised().split("\n").length, r.problems()));
                BASELINES.put(d.name(), r);
                b = r;
            }
            return (CrashResult) b;
        }
    }

    private static ToolRun drgnBaseline(Corpus.Dump d, Path vmlinux) throws IOException {
        synchronized (BASELINES) {
            Object b = BASELINES.get(d.name());
            if (b == null) {
                ToolRun r = AnalysisTools.drgn(vmlinux, d.vmcore());
                if (!r.ok() || r.stdout().contains("\nERROR ") || !r.stdout().contains("crashed thread")) {
                    fail("drgn does not read the vmcore itself:\n" + r.describe(4000));
                }
                SUMMARY.add(String.format(Locale.ROOT, "%-15s the vmcore: drgn, %,d lines (release, crashed thread, %d CPU stacks, dmesg)",
                        d.name(), r.stdout().split("\n").length, r.stdout().lines().filter(l -> l.startsWith("cpu ")).count()));
                BASELINES.put(d.name(), r);
                b = r;
            }
            return (ToolRun) b;
        }
    }

    @AfterAll
    static void summary() throws IOException {
        List<String> lines = new ArrayList<>(SUMMARY);
        Collections.sort(lines);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "analysis-tools.txt"), lines);
        lines.forEach(System.out::println);
    }
}
