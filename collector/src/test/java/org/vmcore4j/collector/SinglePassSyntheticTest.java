package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;

/**
 * makedumpfile builds the bitmaps in one pass instead of cycles when both whole bitmaps fit its
 * default buffer exactly (max_mapnr a multiple of 4, as on a 6 GiB guest), or with --work-dir; the
 * one-pass 1st bitmap then counts a PT_LOAD's partial last page as RAM. Synthetic cores on both
 * sides of that rule, written by us and by makedumpfile: byte for byte the same.
 */
@RequiresMakedumpfile
class SinglePassSyntheticTest {
    private static final int PS = 4096;

    @TempDir
    Path tmp;

    /** A core whose second PT_LOAD ends inside a page, at {@code endOfOdd}; max_mapnr = ceil(endOfOdd / 4096). */
    static byte[] core(long endOfOdd) {
        byte[] ram = new byte[256 * PS];
        for (int p = 0; p < 256; p++) {
            if (p % 7 != 3) {
                Arrays.fill(ram, p * PS, p * PS + PS / 2, (byte) (p + 1));
            }
        }
        byte[] odd = new byte[(int) (endOfOdd - 0x600800)];
        Arrays.fill(odd, (byte) 0x5a);
        long[] regs = new long[27];
        return ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).prStatusX86_64(1, regs)
                .load(0x100000, 0xffff888000100000L, ram)
                .load(0x600800, 0xffff888000600800L, odd).build().bytes();
    }

    @ParameterizedTest(name = "segment end {0}, -d {1}, work-dir {2}")
    @CsvSource({
        "0x603100, 0, false", // max_mapnr 0x604: one pass, the partial page 0x603 is RAM
        "0x603100, 1, false",
        "0x604100, 0, false", // max_mapnr 0x605: cycles, page 0x604 is not RAM
        "0x604100, 1, false",
        "0x604100, 1, true",  // --work-dir: one pass whatever max_mapnr
    })
    void byteIdenticalOnBothSidesOfTheOnePassRule(String end, int level, boolean workDir) throws Exception {
        long endOfOdd = Long.decode(end);
        Path in = tmp.resolve("core");
        Files.write(in, core(endOfOdd));
        Path theirs = tmp.resolve("theirs");
        List<String> args = new ArrayList<>(List.of("-c", "-d", Integer.toString(level)));
        if (workDir) {
            args.add("--work-dir");
            args.add(Files.createDirectories(tmp.resolve("work")).toString());
        }
        args.add("--message-level");
        args.add("16");
        args.add(in.toString());
        args.add(theirs.toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(org.vmcore4j.testdata.Corpus.requireMakedumpfile().toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(0, p.waitFor(), report);
        Path ours = tmp.resolve("ours");
        PageFilter f = PageFilter.forLevel(level);
        if (workDir) {
            f = f.withCycleMode(PageFilter.CycleMode.SINGLE);
        }
        FilterReport r;
        try (Vmcore dump = Vmcore.open(in); DumpSink sink = DumpSink.toFile(ours)) {
            r = KdumpCollector.write(dump, f, KdumpCollector.Options.of(Compression.ZLIB), sink,
                    CollectorListener.NONE);
        }
        // the report's memory hole: one pass counts frames load by load, partial last pages included
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Memory Hole\\s*: 0x([0-9a-f]+)").matcher(report);
        assertTrue(m.find(), report);
        assertEquals(Long.parseLong(m.group(1), 16), r.memoryHolePages(), "Memory Hole: " + report);
        long mismatch = KdumpComparison.firstDifference(theirs, ours);
        assertTrue(mismatch < 0, () -> {
            try {
                return KdumpComparison.describe(theirs, ours, mismatch);
            } catch (Exception e) {
                return e.toString();
            }
        });
        long partialPfn = endOfOdd >>> 12;
        boolean onePass = workDir || ((endOfOdd + PS - 1) >>> 12) % 4 == 0;
        try (Vmcore k = Vmcore.open(ours)) {
            assertEquals(onePass, k.physicalMemory().status(partialPfn) != org.vmcore4j.core.PageStatus.NOT_RAM,
                    "the partial last page is RAM exactly in one-pass mode");
        }
    }
}
