package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * {@link PageFilter#classify}, the class of each frame, against makedumpfile 1.7.9: at each level the
 * frames classified {@link PageClass#KEPT} are exactly those makedumpfile's 2nd bitmap keeps (zero
 * pages aside, which the kdump format keeps in the bitmap and stores once), every frame it leaves out
 * has an excluding class, and the frames per class add up to the report's counts, which
 * {@link MakedumpfileDifferentialTest} holds equal to makedumpfile's report.
 */
@RequiresCorpus
@RequiresMakedumpfile
class ClassifyDifferentialTest {

    @Test
    void everyFrameHasMakedumpfilesClass() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            for (int level : new int[] {31, 24}) {
                ReferenceRun ref = ReferenceRun.run(mdf, d.vmcore(), ReferenceRun.kdumpArgs(level), ReferenceRun.CACHE);
                String ctx = d.name() + " -d " + level;
                PageFilter filter = PageFilter.forLevel(level);
                PageClassMap map;
                FilterReport report;
                try (Vmcore dump = Vmcore.open(d.vmcore())) {
                    map = filter.classify(dump);
                    report = filter.count(dump);
                }
                assertEquals(ref.maxMapnr(), map.endPfn(), ctx);
                long kept = 0;
                for (long pfn = 0; pfn < map.endPfn(); pfn++) {
                    boolean inBitmap2 = bit(ref.bitmap2(), pfn);
                    Optional<PageClass> c = map.classOf(pfn);
                    boolean keptOrZero = c.isPresent() && (c.get() == PageClass.KEPT || c.get() == PageClass.ZERO);
                    if (inBitmap2 != keptOrZero || (c.orElse(null) == PageClass.KEPT && !inBitmap2)) {
                        fail(ctx + ": frame 0x" + Long.toHexString(pfn) + " is " + c + ", makedumpfile's 2nd bitmap "
                                + (inBitmap2 ? "keeps" : "drops") + " it");
                    }
                    if (c.isEmpty() && bit(ref.bitmap1(), pfn) && !bit(ref.bitmap2(), pfn)) {
                        // a RAM frame without a class: the vmcore has no data for it (none in the corpus)
                        fail(ctx + ": RAM frame 0x" + Long.toHexString(pfn) + " has no class");
                    }
                    kept += c.orElse(null) == PageClass.KEPT ? 1 : 0;
                }
                assertEquals(kept, map.count(PageClass.KEPT), ctx);
                assertEquals(report.zeroPages(), map.count(PageClass.ZERO), "zero, " + ctx);
                assertEquals(report.cachePages(), map.count(PageClass.CACHE), "cache, " + ctx);
                assertEquals(report.cachePrivatePages(), map.count(PageClass.CACHE_PRIVATE), "private cache, " + ctx);
                assertEquals(report.userPages(), map.count(PageClass.USER), "user, " + ctx);
                assertEquals(report.freePages(), map.count(PageClass.FREE) + map.count(PageClass.UNACCEPTED), "free, " + ctx);
                assertEquals(report.hwpoisonPages(), map.count(PageClass.HWPOISON), "hwpoison, " + ctx);
                assertEquals(report.offlinePages(), map.count(PageClass.OFFLINE), "offline, " + ctx);
                assertTrue(map.count(PageClass.FREE) > 0 && map.count(PageClass.KEPT) > 0, map.toString());
                List<PageClassMap.Run> runs = map.runs();
                for (int i = 1; i < runs.size(); i++) {
                    assertTrue(runs.get(i - 1).endPfn() <= runs.get(i).startPfn(), "runs in order, " + ctx);
                }
                System.out.println(ctx + ": " + map);
            }
        }
    }

    private static boolean bit(byte[] bitmap, long pfn) {
        int i = (int) (pfn >>> 3);
        return i < bitmap.length && (bitmap[i] & (1 << (pfn & 7))) != 0;
    }
}
