package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Why matching 1.7.9 matters: Debian bookworm's makedumpfile 1.7.2 predates the 6.9 hugetlb and
 * 6.10 slab page types. On a 6.12 kernel (which has neither PG_hugetlb nor a compound_order offset)
 * it reads every compound page as order 0, so hugetlb pages and the tails of anonymous THPs stay in
 * the dump. This test runs both binaries at {@code -d 31}, shows that we equal 1.7.9, states how
 * many more user pages 1.7.2 keeps, and shows that the difference is exactly those two VMCOREINFO
 * keys: our classifier without them reproduces 1.7.2 bit for bit. On older kernels all three agree.
 */
@RequiresCorpus
@RequiresMakedumpfile
class DebianMakedumpfileTest {
    static final Set<String> PAGE_TYPES_AFTER_1_7_2 = Set.of("NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)",
            "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)");

    @Test
    void debian172KeepsUserPagesThat179ExcludesOn612() throws Exception {
        Optional<Path> deb = CorpusSupport.debianMakedumpfile();
        Prerequisites.assumePresent(deb.isPresent(),
                "Debian's makedumpfile is not installed (testdata/tools/install-deps.sh installs it)");
        String version = versionOf(deb.get());
        Prerequisites.assumePresent(version.contains("version 1.7.2"),
                deb.get() + " is not Debian bookworm's makedumpfile 1.7.2: " + version.strip());
        Path mdf = Corpus.requireMakedumpfile();
        int newKernels = 0;
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            ReferenceRun r179 = ReferenceRun.run(mdf, d.vmcore(), ReferenceRun.kdumpArgs(31),
                    ReferenceRun.CACHE);
            ReferenceRun r172 = ReferenceRun.run(deb.get(), d.vmcore(), ReferenceRun.kdumpArgs(31),
                    ReferenceRun.CACHE);
            try (Vmcore dump = Vmcore.open(d.vmcore())) {
                Ours ours = Ours.scan(PageFilter.forLevel(31), dump);
                assertEquals(0, Ours.mismatches(ours.bitmap2(), r179.bitmap2()), d.name());
                assertEquals(r179.get("User process data pages"), ours.report().userPages(), d.name());
                boolean hasNewTypes = dump.vmcoreInfo().orElseThrow().entries().keySet().stream()
                        .anyMatch(PAGE_TYPES_AFTER_1_7_2::contains);
                long u179 = r179.get("User process data pages");
                long u172 = r172.get("User process data pages");
                Ours as172 = Ours.scan(PageFilter.forLevel(31), new HiddenKeysDump(dump, PAGE_TYPES_AFTER_1_7_2, ""));
                assertEquals(0, Ours.mismatches(as172.bitmap2(), r172.bitmap2()),
                        d.name() + ": without the newer page-type keys we should select exactly what 1.7.2 selects");
                assertEquals(r172.reportBlock(), as172.report().toMakedumpfileText().substring(1), d.name());
                if (hasNewTypes) {
                    newKernels++;
                    assertTrue(u172 < u179, d.name() + ": 1.7.2 should exclude fewer user pages than 1.7.9");
                    System.out.printf(Locale.ROOT, "%s (%s) -d 31: user pages excluded: makedumpfile 1.7.9 %d, vmcore4j %d, "
                                    + "Debian 1.7.2 %d -> 1.7.2 keeps %d more user pages (dumpable %d vs %d; zero "
                                    + "pages %d vs %d); 1.7.2 = our classifier without %s, bit for bit%n",
                            d.name(), dump.vmcoreInfo().get().osRelease().orElse("?"), u179,
                            ours.report().userPages(), u172, u179 - u172, Ours.popcount(r179.bitmap2()),
                            Ours.popcount(r172.bitmap2()), r179.get("Pages filled with zero"),
                            r172.get("Pages filled with zero"), PAGE_TYPES_AFTER_1_7_2);
                } else {
                    assertEquals(0, Ours.mismatches(r172.bitmap2(), r179.bitmap2()), d.name()
                            + ": without the newer page types 1.7.2 and 1.7.9 agree");
                    System.out.printf(Locale.ROOT, "%s (%s) -d 31: 1.7.2, 1.7.9 and vmcore4j agree (%d user pages)%n", d.name(),
                            dump.vmcoreInfo().get().osRelease().orElse("?"), u179);
                }
            }
        }
        assertTrue(newKernels > 0, "the corpus should hold a kernel with the 6.9+/6.10+ page types (6.12)");
    }

    private static String versionOf(Path bin) throws Exception {
        Process p = new ProcessBuilder(bin.toString(), "-v").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
