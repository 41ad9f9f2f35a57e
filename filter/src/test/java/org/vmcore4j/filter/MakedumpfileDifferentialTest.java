package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * The differential test against makedumpfile 1.7.9 on the real-dump corpus: for every dump and
 * every dump level 0..31, our 1st and 2nd bitmaps equal those of makedumpfile's kdump-compressed
 * output bit for bit, and our report equals its print_report block line for line. Also in cyclic
 * mode (a 1 KiB cycle buffer); the {@code -E} counts are the collector's ElfCountsDifferentialTest. Reference runs go through {@code -F} into memory, two at a time, cached under target/.
 */
@RequiresCorpus
@RequiresMakedumpfile
class MakedumpfileDifferentialTest {
    private static final List<String> SUMMARY = Collections.synchronizedList(new ArrayList<>());

    @TestFactory
    Stream<DynamicContainer> everyLevelOfEveryDumpEqualsMakedumpfile() {
        Path mdf = Corpus.requireMakedumpfile();
        List<Corpus.Dump> dumps = Corpus.x86_64Dumps();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Map<String, Future<ReferenceRun>> refs = new LinkedHashMap<>();
        for (Corpus.Dump d : dumps) {
            for (int level = 0; level <= 31; level++) {
                List<String> args = ReferenceRun.kdumpArgs(level);
                refs.put(d.name() + level, pool.submit(() -> ReferenceRun.run(mdf, d.vmcore(), args, ReferenceRun.CACHE)));
            }
        }
        pool.shutdown();
        return dumps.stream().map(d -> DynamicContainer.dynamicContainer(d.name(), IntStream.rangeClosed(0, 31)
                .mapToObj(level -> DynamicTest.dynamicTest("-d " + level, () -> {
                    CorpusSupport.assumeTranslation(d);
                    ReferenceRun ref = get(refs.get(d.name() + level));
                    compareKdump(d, level, PageFilter.forLevel(level), ref, "");
                }))));
    }

    static ReferenceRun get(Future<ReferenceRun> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    static Ours compareKdump(Corpus.Dump d, int level, PageFilter filter, ReferenceRun ref, String note)
            throws IOException {
        Ours ours;
        try (Vmcore dump = Vmcore.open(d.vmcore())) {
            ours = Ours.scan(filter.withZeroPages(ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR), dump);
        }
        String ctx = d.name() + " -d " + level + note;
        FilterReport r = ours.report();
        assertEquals(ref.maxMapnr(), r.totalPages(), "max_mapnr, " + ctx);
        long m1 = Ours.mismatches(ours.bitmap1(), ref.bitmap1());
        long m2 = Ours.mismatches(ours.bitmap2(), ref.bitmap2());
        assertEquals(0, m1, "1st bitmap differs in " + m1 + " frames, first at pfn 0x"
                + Long.toHexString(Ours.firstMismatch(ours.bitmap1(), ref.bitmap1())) + ", " + ctx);
        assertEquals(0, m2, "2nd bitmap differs in " + m2 + " frames, first at pfn 0x"
                + Long.toHexString(Ours.firstMismatch(ours.bitmap2(), ref.bitmap2())) + ", " + ctx);
        assertEquals(Ours.popcount(ref.bitmap2()), r.dumpablePages(), ctx);
        assertEquals(ref.reportBlock(), r.toMakedumpfileText().substring(1), "report, " + ctx);
        SUMMARY.add(String.format(Locale.ROOT, "%-16s -d %2d%-22s frames %7d  dumpable %7d  mismatches %d  zero %6d cache %6d "
                        + "cache-private %6d user %6d free %6d hwpoison %d offline %d  ours %4d ms  makedumpfile %4d ms",
                d.name(), level, note, r.totalPages(), r.dumpablePages(), m1 + m2, r.zeroPages(), r.cachePages(),
                r.cachePrivatePages(), r.userPages(), r.freePages(), r.hwpoisonPages(), r.offlinePages(),
                ours.millis(), ref.millis()));
        return ours;
    }

    /** makedumpfile's cyclic mode with a 1 KiB buffer (8192 frames a cycle) against ours with the same buffer. */
    @Test
    void smallCycleBufferEqualsMakedumpfileCyclicMode() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            for (int level : new int[] {31, 16, 0}) {
                ReferenceRun ref = ReferenceRun.run(mdf, d.vmcore(), ReferenceRun.kdumpArgs(level, "--cyclic-buffer", "1"), ReferenceRun.CACHE);
                Ours ours = compareKdump(d, level, PageFilter.forLevel(level).withCycleBufferBytes(1024), ref,
                        " --cyclic-buffer 1");
                assertTrue(ours.report().totalPages() > 8 * 1024 * 8, "the dump spans several cycles");
            }
        }
    }

    @AfterAll
    static void writeSummary() throws IOException {
        if (SUMMARY.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>(SUMMARY);
        Collections.sort(lines);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "filter-differential.txt"), lines);
        lines.forEach(System.out::println);
    }
}
