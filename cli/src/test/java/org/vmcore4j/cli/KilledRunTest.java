package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;

/**
 * The collector killed mid-run (SIGKILL: no clean-up runs): what is on disk opens as INCOMPLETE with
 * every page it holds correct, or is refused with a clear error; it is never misread.
 */
@RequiresCorpus
class KilledRunTest {

    @Test
    void killedCollectorLeavesAnIncompleteOrRefusedFile() throws Exception {
        Corpus.Dump d = Corpus.x86_64Dumps().get(0);
        Path dir = Files.createDirectories(Path.of("target", "killed"));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> outcomes = new ArrayList<>();
        try (Vmcore source = Vmcore.open(d.vmcore())) {
            long completeSize = completeRunSize(java, d, dir.resolve("complete"));
            for (double fraction : new double[] {0.3, 0.6, 0.85}) {
                // The kill is timed by how much of the file is on disk, not by a clock: a clock taken from
                // one run misplaces the kill when the next run is faster (a warm page cache, a quieter CI).
                long killAt = (long) (completeSize * fraction);
                String when = String.format(Locale.ROOT, "%.0f %% of the file (%,d B)", fraction * 100, killAt);
                Path out = dir.resolve("killed-" + (int) (fraction * 100));
                Files.deleteIfExists(out);
                Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        "org.vmcore4j.cli.Main", "-z", "-d", "0", "--message-level", "0", d.vmcore().toString(),
                        out.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                while (p.isAlive() && sizeOf(out) < killAt) {
                    Thread.sleep(2);
                }
                p.destroyForcibly(); // SIGKILL; a no-op when the run has already ended
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed collector did not go away");
                if (!Files.exists(out)) {
                    outcomes.add(when + ": killed before the file was created");
                    continue;
                }
                try (KdumpVmcore k = KdumpVmcore.open(out)) {
                    long[] counts = check(k, source);
                    if (!k.incomplete()) {
                        // The kill landed after the writer cleared INCOMPLETE (the last header write): then the
                        // file must be the whole dump, every page present and equal.
                        assertTrue(counts[1] == 0 && counts[2] == 0,
                                "a file without INCOMPLETE must hold every page (" + when + ")");
                        outcomes.add(when + ": the run had finished; all " + counts[0] + " pages equal");
                        continue;
                    }
                    outcomes.add(String.format(Locale.ROOT, "%s: INCOMPLETE, %,d pages read back equal, %,d lost, %,d refused "
                            + "with an error", when, counts[0], counts[1], counts[2]));
                } catch (VmcoreFormatException refused) {
                    outcomes.add(when + ": refused: " + refused.getMessage());
                } finally {
                    Files.deleteIfExists(out);
                }
            }
        }
        outcomes.forEach(o -> System.out.println(d.name() + " -z -d 0 killed after " + o));
        assertTrue(outcomes.stream().anyMatch(o -> o.contains("INCOMPLETE")), outcomes::toString);
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException notYet) {
            return 0;
        }
    }

    /** Bytes a complete run writes, so the kills land inside the run on any machine. */
    private static long completeRunSize(String java, Corpus.Dump d, Path out) throws Exception {
        Files.deleteIfExists(out);
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.vmcore4j.cli.Main",
                "-z", "-d", "0", "--message-level", "0", d.vmcore().toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0, "the complete run failed");
        long size = Files.size(out);
        try (KdumpVmcore k = KdumpVmcore.open(out)) {
            assertTrue(!k.incomplete(), "a finished run's file must not be INCOMPLETE");
        }
        Files.delete(out);
        return size;
    }

    /** present-and-equal, lost, refused-with-an-error; any wrong byte fails the test. */
    private static long[] check(KdumpVmcore k, Vmcore source) throws IOException {
        PhysicalMemory w = k.physicalMemory();
        byte[] a = new byte[w.pageSize()];
        byte[] b = new byte[w.pageSize()];
        long[] counts = new long[3];
        for (long pfn = 0; pfn < w.endPfn(); pfn++) {
            PageStatus st = w.status(pfn);
            if (st == PageStatus.LOST) {
                counts[1]++;
            } else if (st == PageStatus.PRESENT) {
                try {
                    w.readPage(pfn, a, 0);
                } catch (VmcoreFormatException e) {
                    counts[2]++; // a descriptor whose data never reached the disk: refused, not misread
                    continue;
                }
                source.physicalMemory().readPage(pfn, b, 0);
                if (!java.util.Arrays.equals(a, b)) {
                    throw new AssertionError("PFN " + pfn + " misread from a killed run's file");
                }
                counts[0]++;
            }
        }
        return counts;
    }
}
