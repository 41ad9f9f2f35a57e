package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresAarch64Corpus;
import org.vmcore4j.testdata.RequiresVmlinux;

/**
 * The filter's page classes on the aarch64 dumps (from VMCOREINFO alone) against drgn's reading of
 * the same pages with the kernel's debug vmlinux (struct layouts, flag numbers and page types from
 * DWARF): for 12,000 page frames drawn at random from RAM, the class the filter's dump levels
 * imply (excluded at {@code -d 16}: free; at {@code -d 8}: anonymous or hugetlb; at {@code -d 2}:
 * cache; at {@code -d 4} only: cache with private data; kept at {@code -d 30}: kernel, slab
 * included) is the class drgn_page_classes.py gives.
 */
@RequiresAarch64Corpus
@RequiresVmlinux
class Aarch64PageClassDrgnTest {
    private static final int SAMPLE = 12_000;

    /**
     * The 52-bit dump, the one no makedumpfile reads (the 48-bit one's page classes are the
     * makedumpfile differential's). drgn 0.0.22 cannot read the 48-bit one's struct pages: every
     * vmemmap address fails in its page-table walk ("address is not mapped"), where libkdumpfile
     * and vmcore4j read the same bytes.
     */
    static List<Corpus.Dump> dumps() {
        return Corpus.aarch64Dumps().stream().filter(d -> !Corpus.booted48Bit(d)).toList();
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void pageClassesEqualDrgns(Corpus.Dump d) throws Exception {
        Path vmlinux = Corpus.vmlinux(d).orElseThrow();
        byte[] ram;
        Map<Integer, byte[]> kept = new TreeMap<>();
        try (Vmcore dump = Vmcore.open(d.vmcore())) {
            Ours all = Ours.scan(PageFilter.forLevel(30), dump);
            ram = all.bitmap1();
            kept.put(30, all.bitmap2());
            for (int level : new int[] {2, 4, 8, 16}) {
                kept.put(level, Ours.scan(PageFilter.forLevel(level), dump).bitmap2());
            }
        }
        List<Long> pfns = new ArrayList<>();
        Random r = new Random(d.name().hashCode());
        long frames = (long) ram.length * 8;
        while (pfns.size() < SAMPLE) {
            long pfn = (r.nextLong() & Long.MAX_VALUE) % frames;
            if (bit(ram, pfn)) {
                pfns.add(pfn);
            }
        }
        List<String> theirs = drgn(vmlinux, d.vmcore(), pfns);
        assertEquals(pfns.size(), theirs.size());
        Map<String, Integer> counts = new TreeMap<>();
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < pfns.size(); i++) {
            long pfn = pfns.get(i);
            String[] f = theirs.get(i).split(" ", 2);
            assertEquals(Long.toString(pfn), f[0]);
            String drgn = f[1];
            String ours = ours(kept, pfn);
            counts.merge(drgn, 1, Integer::sum);
            if (!ours.equals(drgn.equals("slab") ? "kernel" : drgn)) {
                differ.add("pfn 0x" + Long.toHexString(pfn) + ": drgn " + drgn + ", ours " + ours);
            }
        }
        assertEquals(List.of(), differ.subList(0, Math.min(differ.size(), 40)), differ.size() + " of " + pfns.size()
                + " page frames differ");
        for (String c : List.of("free", "anon", "cache", "slab", "kernel")) {
            assertTrue(counts.getOrDefault(c, 0) >= 50, "the sample holds too few " + c + " pages: " + counts);
        }
        System.out.printf(Locale.ROOT, "%s: %,d page frames classed as drgn classes them: %s%n", d.name(), pfns.size(), counts);
    }

    private static String ours(Map<Integer, byte[]> kept, long pfn) {
        if (!bit(kept.get(16), pfn)) {
            return "free";
        } else if (!bit(kept.get(8), pfn)) {
            return "anon";
        } else if (!bit(kept.get(2), pfn)) {
            return "cache";
        } else if (!bit(kept.get(4), pfn)) {
            return "cache_private";
        } else if (!bit(kept.get(30), pfn)) {
            return "excluded at -d 30 but no single level";
        }
        return "kernel";
    }

    private static boolean bit(byte[] map, long pfn) {
        return pfn >>> 3 < map.length && (map[(int) (pfn >>> 3)] >> (pfn & 7) & 1) != 0;
    }

    private static List<String> drgn(Path vmlinux, Path vmcore, List<Long> pfns) throws Exception {
        Path script = Files.createTempFile("drgn_page_classes", ".py");
        Path list = Files.createTempFile("pfns", ".txt");
        try (InputStream in = Aarch64PageClassDrgnTest.class.getResourceAsStream("drgn_page_classes.py")) {
            Files.write(script, in.readAllBytes());
            Files.write(list, pfns.stream().map(String::valueOf).toList());
            // the request is a file, so a long answer cannot block it
            Process p = new ProcessBuilder(Corpus.systemPython(), script.toString(), vmlinux.toString(), vmcore.toString())
                    .redirectInput(list.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "drgn timed out");
            assertEquals(0, p.exitValue(), "drgn failed");
            return out;
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(list);
        }
    }
}
