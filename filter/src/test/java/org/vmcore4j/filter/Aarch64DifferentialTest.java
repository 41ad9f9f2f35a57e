package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresAarch64Corpus;
import org.vmcore4j.testdata.RequiresMakedumpfileArm64;

/**
 * The aarch64 48-bit corpus dump (Debian 6.12 booted with {@code arm64.nolva}) against the aarch64
 * reference makedumpfile (upstream b7587f1 under qemu-user; 1.7.9 cannot read this kernel's dumps)
 * at every dump level 0..31: both bitmaps bit for bit and the report line for line (less the line
 * for extension filters, which that revision added after 1.7.9 and which counts none here), as
 * {@link MakedumpfileDifferentialTest} does for x86_64. Reference runs are cached under target/.
 */
@RequiresAarch64Corpus
@RequiresMakedumpfileArm64
class Aarch64DifferentialTest {

    @TestFactory
    Stream<DynamicTest> everyLevelOfThe48BitDumpEqualsMakedumpfile() {
        Path mdf = Corpus.makedumpfileArm64().orElseThrow();
        Corpus.Dump d = Corpus.aarch64Dumps().stream().filter(Corpus::booted48Bit).findFirst().orElseThrow();
        // qemu-user runs makedumpfile's one thread; two runs at a time use both cores
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Map<Integer, Future<ReferenceRun>> refs = new LinkedHashMap<>();
        for (int level = 0; level <= 31; level++) {
            List<String> args = ReferenceRun.kdumpArgs(level);
            refs.put(level, pool.submit(() -> ReferenceRun.run(mdf, d.vmcore(), args, ReferenceRun.CACHE)));
        }
        pool.shutdown();
        return IntStream.rangeClosed(0, 31).mapToObj(level -> DynamicTest.dynamicTest(d.name() + " -d " + level, () -> {
            ReferenceRun ref = MakedumpfileDifferentialTest.get(refs.get(level));
            // the report of upstream after 1.7.9 has one more line, for its extension filters (none here)
            String extension = "    Extension filter pages  : 0x0000000000000000\n";
            assertTrue(ref.reportBlock().contains(extension), ref.reportBlock());
            ReferenceRun as179 = new ReferenceRun(ref.maxMapnr(), ref.bitmap1(), ref.bitmap2(),
                    ref.stderr().replace(extension, ""), ref.report(), ref.millis());
            MakedumpfileDifferentialTest.compareKdump(d, level, PageFilter.forLevel(level), as179, "");
        }));
    }
}
