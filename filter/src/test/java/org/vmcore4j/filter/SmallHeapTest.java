package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;

/**
 * The whole scan of every corpus dump runs in a JVM limited to {@code -Xmx64m} (the kdump initramfs
 * budget) and gives the same result as in this JVM: at -d 31 with the default cycle buffer, and at
 * -d 1, where every RAM page is read to test it for zeros. And it allocates nothing per page.
 */
@RequiresCorpus
class SmallHeapTest {

    @Test
    void scanRunsInSixtyFourMegabytesOfHeap() throws Exception {
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            for (int level : new int[] {31, 1}) {
                String args = d.vmcore() + " " + level + " 0";
                String here = inProcess(d.vmcore(), level);
                long t0 = System.nanoTime();
                String forked = forked("-Xmx64m", d.vmcore(), level);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(forked.startsWith("maxMemory "), forked);
                long max = Long.parseLong(forked.substring(10, forked.indexOf('\n')));
                assertTrue(max <= 64L << 20, "heap limit not applied: " + max);
                assertEquals(here.substring(here.indexOf('\n')), forked.substring(forked.indexOf('\n')), args);
                System.out.printf(Locale.ROOT, "%s -d %d: scan in a -Xmx64m JVM (max heap %d MiB) equals the in-process scan "
                        + "(%d ms including JVM start)%n", d.name(), level, max >> 20, ms);
            }
        }
    }

    /**
     * The per-page path allocates nothing: a whole scan allocates its fixed buffers (bitmaps, 512
     * struct pages, a read buffer for the zero test) and no more, far below one object per frame.
     */
    @Test
    void scanAllocatesNothingPerPage() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            try (Vmcore dump = Vmcore.open(d.vmcore())) {
                dump.kernelAddressSpace();
                PageFilter.forLevel(31).count(dump); // warm up class loading and the translation
                for (int level : new int[] {30, 31}) {
                    long a0 = mx.getCurrentThreadAllocatedBytes();
                    FilterReport r = PageFilter.forLevel(level).count(dump);
                    long bytes = mx.getCurrentThreadAllocatedBytes() - a0;
                    System.out.printf(Locale.ROOT, "%s -d %d: the scan allocated %d KiB for %d frames%n", d.name(), level,
                            bytes >> 10, r.totalPages());
                    assertTrue(bytes < 8 * r.totalPages(), d.name() + " -d " + level + " allocated " + bytes
                            + " bytes for " + r.totalPages() + " frames");
                }
            }
        }
    }

    private static String inProcess(Path vmcore, int level) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ScanMain.main(new String[] {vmcore.toString(), Integer.toString(level), "0"});
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String forked(String heap, Path vmcore, int level) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, heap, "-cp", System.getProperty("java.class.path"),
                ScanMain.class.getName(), vmcore.toString(), Integer.toString(level), "0");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timeout");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
