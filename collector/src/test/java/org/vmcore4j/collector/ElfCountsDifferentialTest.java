package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.CorpusSupport;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.PageScan;
import org.vmcore4j.filter.ReferenceRun;
import org.vmcore4j.filter.ZeroPageHandling;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/** The page counts of {@code -E} output on the real-dump corpus equal makedumpfile 1.7.9's report. */
@RequiresCorpus
@RequiresMakedumpfile
class ElfCountsDifferentialTest {

    /**
     * {@code makedumpfile -E}: zero pages leave the dumpable bitmap, and the counts are made per PT_LOAD
     * in cycles starting at round(start, 8) (write_elf_pages_cyclic), so pages two PT_LOADs share
     * (x86_64 kernel text) are counted twice, and the memory hole is counted with partial pages.
     * Driven here through {@link PageScan} the way an ELF writer would.
     */
    @Test
    void elfOutputCountsEqualMakedumpfileE() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            for (int level : new int[] {31, 1}) {
                ReferenceRun ref = ReferenceRun.runElf(mdf, d.vmcore(), level, ReferenceRun.CACHE);
                FilterReport r;
                try (Vmcore dump = Vmcore.open(d.vmcore())) {
                    r = elfCounts(dump, level);
                }
                String ctx = d.name() + " -E -d " + level;
                for (String label : List.of("Original pages", "Excluded pages", "Pages filled with zero",
                        "Non-private cache pages", "Private cache pages", "User process data pages", "Free pages",
                        "Hwpoison pages", "Offline pages", "Memory Hole", "Total pages")) {
                    assertEquals(ref.get(label), value(r, label), label + ", " + ctx);
                }
            }
        }
    }

    /** The counts of {@code -E}: ElfCollector's walk over the PT_LOADs (write_elf_pages_cyclic's), without writing. */
    static FilterReport elfCounts(Vmcore dump, int level) throws IOException {
        PageScan scan = PageFilter.forLevel(level).withZeroPages(ZeroPageHandling.ELF_REMOVE).prepare(dump);
        ElfCollector.Plan plan = ElfCollector.plan(scan, ElfCollector.Input.of(dump), dump.physicalMemory().pageSize());
        return scan.report().withMemoryHolePages(plan.hole);
    }

    static long value(FilterReport r, String label) {
        return switch (label) {
            case "Original pages" -> r.originalPages();
            case "Excluded pages" -> r.excludedPages();
            case "Pages filled with zero" -> r.zeroPages();
            case "Non-private cache pages" -> r.cachePages();
            case "Private cache pages" -> r.cachePrivatePages();
            case "User process data pages" -> r.userPages();
            case "Free pages" -> r.freePages();
            case "Hwpoison pages" -> r.hwpoisonPages();
            case "Offline pages" -> r.offlinePages();
            case "Memory Hole" -> r.memoryHolePages();
            case "Total pages" -> r.totalPages();
            default -> throw new IllegalArgumentException(label);
        };
    }
}
