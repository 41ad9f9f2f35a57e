package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.LargeVmcore;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * The synthetic 6.12 core that benchmarks/scaling.sh measures at up to 256 GiB, here at 5 GiB (two
 * RAM ranges around the PCI hole, sparse: about 0.3 GB on disk): the -d 31 scan finds every page
 * class in the numbers the generator wrote, in makedumpfile-sized cycles and in small ones, and
 * equals makedumpfile 1.7.9 on the same file bit for bit, report included.
 */
class LargeSyntheticVmcoreTest {
    private static final int GIB = 5;

    @TempDir
    static Path tmp;
    static Path core;
    static LargeVmcore.Mix mix;

    @BeforeAll
    static void generate() throws IOException {
        core = tmp.resolve("core");
        mix = LargeVmcore.write(core, GIB, 7);
    }

    @AfterAll
    static void delete() throws IOException {
        Files.deleteIfExists(core);
    }

    private static Ours scan(PageFilter filter) throws IOException {
        try (Vmcore dump = Vmcore.open(core)) {
            return Ours.scan(filter.withZeroPages(ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR), dump);
        }
    }

    @Test
    void everyClassCountsAsTheGeneratorWroteIt() throws IOException {
        // 4 MiB (one cycle) and 16 KiB (131,072 frames a cycle: twelve)
        for (long buffer : new long[] {PageFilter.DEFAULT_CYCLE_BUFFER_BYTES, 16 << 10}) {
            PageFilter f = PageFilter.forLevel(31).withCycleBufferBytes(buffer)
                    .withZeroPages(ZeroPageHandling.KDUMP_SHARED_DESCRIPTOR);
            List<Long> cycleStarts = new ArrayList<>();
            FilterReport r;
            try (Vmcore dump = Vmcore.open(core)) {
                r = f.scan(dump, c -> cycleStarts.add(c.startPfn()));
            }
            String ctx = mix.toText() + "cycle buffer " + buffer + "\n" + r.toMakedumpfileText();
            long framesPerCycle = buffer * 8;
            assertEquals((mix.maxPfn() + framesPerCycle - 1) / framesPerCycle, cycleStarts.size(), "cycles, " + ctx);
            assertEquals(mix.maxPfn(), r.totalPages(), ctx);
            assertEquals(mix.pages("free"), r.freePages(), ctx);
            assertEquals(mix.pages("cache"), r.cachePages(), ctx);
            assertEquals(mix.pages("cache_private"), r.cachePrivatePages(), ctx);
            assertEquals(mix.pages("anon"), r.userPages(), ctx);
            assertEquals(mix.pages("zero"), r.zeroPages(), ctx);
            assertEquals(0, r.hwpoisonPages() + r.offlinePages(), ctx);
            assertEquals(mix.ramPages(), r.ramPages(), ctx);
            // zero pages stay in the 2nd bitmap: the kdump file gives them one shared descriptor
            assertEquals(mix.keptAtLevel31() + mix.pages("zero"), r.dumpablePages(), ctx);
            assertTrue(mix.pages("free") > mix.ramPages() / 2 && mix.pages("slab") > 0 && mix.pages("page_table") > 0,
                    "a realistic mix: " + mix.toText());
        }
    }

    @Test
    @RequiresMakedumpfile
    void equalsMakedumpfile() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        ReferenceRun ref = ReferenceRun.run(mdf, core, ReferenceRun.kdumpArgs(31), tmp.resolve("ref"));
        Ours ours = scan(PageFilter.forLevel(31));
        FilterReport r = ours.report();
        assertEquals(ref.maxMapnr(), r.totalPages());
        assertEquals(0, Ours.mismatches(ours.bitmap1(), ref.bitmap1()), "1st bitmap, first mismatch at pfn 0x"
                + Long.toHexString(Ours.firstMismatch(ours.bitmap1(), ref.bitmap1())));
        assertEquals(0, Ours.mismatches(ours.bitmap2(), ref.bitmap2()), "2nd bitmap, first mismatch at pfn 0x"
                + Long.toHexString(Ours.firstMismatch(ours.bitmap2(), ref.bitmap2())));
        assertEquals(ref.reportBlock(), r.toMakedumpfileText().substring(1), "report");
        assertEquals(mix.keptAtLevel31() + mix.pages("zero"), Ours.popcount(ref.bitmap2()),
                "makedumpfile keeps the generator's kept pages (and its zero pages, as one shared page)");
    }
}
