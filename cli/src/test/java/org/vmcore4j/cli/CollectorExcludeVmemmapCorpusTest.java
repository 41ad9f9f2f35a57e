package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.assertSameBytes;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ok;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.DiskDumpHeader;
import org.vmcore4j.kdump.KdumpFile;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #6, {@code -e} (exclude unused vmemmap pages), on both corpus dumps beside makedumpfile 1.7.9
 * with the same options: the files are byte for byte makedumpfile's (kdump with zlib, snappy, zstd at
 * -d 31 and 1, ELF, a split set, many threads, a flattened stream once rearranged), the header says
 * DUMP_DH_EXCLUDED_VMEMMAP, both tools report the same number of excluded pages, python3-libkdumpfile
 * reads the file, and every page {@code -e} removes is, read back through the crashed kernel's own
 * page tables, a vmemmap page whose 64 struct pages all describe frames the dump leaves out.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class CollectorExcludeVmemmapCorpusTest {
    private static final Pattern EXCLUDED = Pattern.compile("Excluded (\\d+) unused vmemmap pages");
    private static Path dir;
    private static Path work;

    @BeforeAll
    static void setUp() throws IOException {
        dir = CollectorHarness.workDir("exclude-vmemmap");
        work = Files.createDirectories(dir.resolve("work"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        CollectorHarness.deleteTree(dir);
    }

    /**
     * Every format on every dump; on the first also -d 1 (files of 230 MB, nothing to exclude) and a
     * 3 KiB cycle buffer (cycles of 24576 frames, which end inside makedumpfile's 32768-frame bitmap
     * blocks: the unused pages are then found by a scan of their own before the dump is written).
     */
    static Stream<Arguments> formats() {
        List<Arguments> out = new ArrayList<>();
        List<Corpus.Dump> dumps = Corpus.x86_64Dumps();
        for (Corpus.Dump d : dumps) {
            for (String opts : List.of("-z -d 31", "-c -d 31", "-p -d 31", "-E -d 31")) {
                out.add(Arguments.of(d, opts));
            }
        }
        out.add(Arguments.of(dumps.get(0), "-z -d 1"));
        out.add(Arguments.of(dumps.get(0), "--cyclic-buffer 3 -z -d 31"));
        return out.stream();
    }

    private static List<String> args(String options, String... rest) {
        List<String> a = new ArrayList<>(List.of("-e", "--work-dir", work.toString()));
        a.addAll(List.of(options.split(" ")));
        a.addAll(List.of(rest));
        return a;
    }

    /** The count a run printed in "Excluded N unused vmemmap pages" (progress, on stderr). */
    private static long excludedCount(Result r) {
        Matcher m = EXCLUDED.matcher(r.err());
        assertTrue(m.find(), () -> "no 'Excluded N unused vmemmap pages' in\n" + r);
        return Long.parseLong(m.group(1));
    }

    /** Whether a kdump file's header (one file of a split set too) has DUMP_DH_EXCLUDED_VMEMMAP. */
    private static boolean vmemmapBit(Path kdumpFile) throws IOException {
        RandomAccessSource source = ChannelSource.open(kdumpFile);
        KdumpFile k;
        try {
            k = KdumpFile.open(source);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
        try (k) {
            return (k.header().status() & DiskDumpHeader.STATUS_EXCLUDED_VMEMMAP) != 0;
        }
    }

    @ParameterizedTest(name = "{0} -e --work-dir DIR {1}")
    @MethodSource("formats")
    void byteIdenticalToMakedumpfile(Corpus.Dump dump, String options) throws Exception {
        String vmcore = dump.vmcore().toString();
        Path m = dir.resolve("m.e");
        Path o = dir.resolve("o.e");
        Files.deleteIfExists(m);
        Files.deleteIfExists(o);
        Result mr = ok(makedumpfile(args(options, vmcore, m.toString()).toArray(String[]::new)), dir);
        Result or = ok(ours(args(options, vmcore, o.toString()).toArray(String[]::new)), dir);
        long excluded = excludedCount(or);
        assertEquals(excludedCount(mr), excluded, "the count makedumpfile prints");
        if (options.contains("-d 31")) {
            assertTrue(excluded > 1000, "a 1 GiB guest with most memory left out frees thousands: " + excluded);
        } else {
            // kdump files keep zero pages in the 2nd bitmap (one shared page): at -d 1 no RAM is left out
            assertEquals(0, excluded, "-d 1 leaves out no RAM frame in a kdump file");
        }
        assertSameBytes(m, o);
        boolean elf = options.startsWith("-E");
        if (!elf) {
            assertTrue(vmemmapBit(o), "DUMP_DH_EXCLUDED_VMEMMAP in the header");
        }
        String readers = "";
        if (options.equals("-z -d 31")) {
            long compared = CollectorHarness.assertPagesFromVmcore(o, dump.vmcore(), 31);
            int read = CollectorHarness.assertLibkdumpfileReads(o, dump.vmcore(), 200);
            readers = String.format(Locale.ROOT, "; %d pages equal to the vmcore's, %d read by libkdumpfile", compared, read);
        }
        System.out.printf(Locale.ROOT, "%s -e --work-dir DIR %s: %d unused vmemmap pages excluded by both, %d bytes byte for byte "
                + "makedumpfile's%s%s%n", dump, options, excluded, Files.size(o), elf ? "" : ", header bit 0x10 set",
                readers);
        Files.delete(m);
        Files.delete(o);
    }

    /**
     * What -e removes, checked without either tool's vmemmap code: the frames present without -e and
     * missing with it are exactly as many as both tools report, each is the physical page behind a
     * vmemmap page (vmemmap_start as makedumpfile's debug output gives it, translated through our page
     * tables), and all 64 frames whose struct pages it holds are left out of the dump. Re-filtering a
     * kdump file removes the same frames (makedumpfile 1.7.9 does not: it finds no PT_LOAD in a kdump
     * file, so it maps the vmemmap to PFN 0 and removes low-memory pages instead; the count is printed).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.vmcore4j.testdata.Corpus#x86_64Dumps")
    void removesOnlyVmemmapPagesOfLeftOutFrames(Corpus.Dump dump) throws Exception {
        String vmcore = dump.vmcore().toString();
        Path m = dir.resolve("m.e.debug");
        Path withE = dir.resolve("o.e");
        Path without = dir.resolve("o.plain");
        for (Path p : List.of(m, withE, without)) {
            Files.deleteIfExists(p);
        }
        Result mr = ok(makedumpfile(args("--message-level 31 -z -d 31", vmcore, m.toString()).toArray(String[]::new)), dir);
        Matcher start = Pattern.compile("vmemmap_start: +([0-9a-f]+)").matcher(mr.out());
        assertTrue(start.find(), "makedumpfile -D names vmemmap_start");
        long vmemmapStart = Long.parseUnsignedLong(start.group(1), 16);
        long reported = excludedCount(mr);
        Result oe = ok(ours(args("--message-level 23 -z -d 31", vmcore, withE.toString()).toArray(String[]::new)),
                dir);
        Result op = ok(ours("--message-level", "23", "--work-dir", work.toString(), "-z", "-d", "31", vmcore,
                without.toString()), dir);
        assertSameBytes(m, withE);
        // the report is the plain level's: -e's pages enter no class, so "Remaining pages" does not move
        String report = reportBlock(oe.out());
        assertEquals(reportBlock(op.out()), report);
        assertEquals(reportBlock(mr.out()), report, "makedumpfile's report");
        long remaining = Long.decode(report.replaceAll("(?s).*Remaining pages  : (0x[0-9a-f]+).*", "$1"));

        List<Long> removed = removed(without, withE);
        assertEquals(reported, removed.size(), "frames present without -e and missing with it");
        long describedFrames = 0;
        try (Vmcore v = Vmcore.open(dump.vmcore()); Vmcore e = Vmcore.open(withE)) {
            KernelAddressSpace kas = v.kernelAddressSpace();
            PhysicalMemory out = e.physicalMemory();
            long structsPerPage = 4096 / 64;
            Map<Long, Long> vmemmapPageOf = new HashMap<>();
            for (long k = 0; k * structsPerPage < out.endPfn(); k++) {
                try {
                    vmemmapPageOf.put(kas.toPhysical(vmemmapStart + k * 4096) >>> 12, k);
                } catch (MemoryAccessException notMapped) {
                    // a hole in the vmemmap: no struct pages there
                }
            }
            for (long pfn : removed) {
                Long k = vmemmapPageOf.get(pfn);
                assertNotNull(k, () -> String.format(Locale.ROOT, "PFN 0x%x removed by -e is not a vmemmap page", pfn));
                for (long frame = k * structsPerPage; frame < (k + 1) * structsPerPage; frame++) {
                    assertEquals(PageStatus.EXCLUDED, out.status(frame), String.format(Locale.ROOT,
                            "PFN 0x%x's vmemmap page 0x%x is removed, but the frame is not a left-out RAM frame",
                            frame, pfn));
                    describedFrames++;
                }
            }
        }

        // the same on a kdump file filtered again (-d 1 first, as a capture might have kept it)
        Path input = dir.resolve("m.d1");
        Path refiltered = dir.resolve("o.refiltered.e");
        Path refilteredPlain = dir.resolve("o.refiltered");
        Path mdfRefiltered = dir.resolve("m.refiltered.e");
        for (Path p : List.of(input, refiltered, refilteredPlain, mdfRefiltered)) {
            Files.deleteIfExists(p);
        }
        ok(makedumpfile("-z", "-d", "1", vmcore, input.toString()), dir);
        Result rr = ok(ours(args("-z -d 31", input.toString(), refiltered.toString()).toArray(String[]::new)), dir);
        ok(ours("--work-dir", work.toString(), "-z", "-d", "31", input.toString(), refilteredPlain.toString()), dir);
        assertTrue(vmemmapBit(refiltered));
        assertEquals(removed, removed(refilteredPlain, refiltered), "re-filtering removes the same vmemmap pages");
        assertEquals(reported, excludedCount(rr));
        Result mrr = ok(makedumpfile(args("-z -d 31", input.toString(), mdfRefiltered.toString())
                .toArray(String[]::new)), dir);
        List<Long> mdfRemoved = removed(refilteredPlain, mdfRefiltered);
        long mdfVmemmap = mdfRemoved.stream().filter(removed::contains).count();
        System.out.printf(Locale.ROOT, "%s: -e removes %d frames (PFNs 0x%x-0x%x; %d dumpable frames left of %d), all behind the "
                + "vmemmap at 0x%x, holding the struct pages of %d left-out frames only; both runs report Remaining "
                + "pages %d; re-filtering a -d 1 kdump file removes the same %d. makedumpfile on that kdump file "
                + "reports %d and removes %d frames, %d of them vmemmap pages%n", dump, removed.size(), removed.get(0),
                removed.get(removed.size() - 1), present(withE), present(without), vmemmapStart, describedFrames,
                remaining, removed.size(), excludedCount(mrr), mdfRemoved.size(), mdfVmemmap);
        for (Path p : List.of(m, withE, without, input, refiltered, refilteredPlain, mdfRefiltered)) {
            Files.delete(p);
        }
    }

    private static String reportBlock(String text) {
        int a = text.indexOf("Original pages");
        int b = text.indexOf('\n', text.indexOf("Total pages", a));
        assertTrue(a >= 0 && b > a, () -> "no report in:\n" + text);
        return text.substring(a, b + 1);
    }

    /** Frames a dump holds (dumpable in its 2nd bitmap). */
    private static long present(Path dumpFile) throws IOException {
        try (Vmcore v = Vmcore.open(dumpFile)) {
            long n = 0;
            for (long pfn = 0; pfn < v.physicalMemory().endPfn(); pfn++) {
                if (v.physicalMemory().status(pfn) == PageStatus.PRESENT) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Frames PRESENT in {@code before} and not in {@code after}; every other frame has the same status. */
    private static List<Long> removed(Path before, Path after) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Vmcore b = Vmcore.open(before); Vmcore a = Vmcore.open(after)) {
            PhysicalMemory mb = b.physicalMemory();
            PhysicalMemory ma = a.physicalMemory();
            assertEquals(mb.endPfn(), ma.endPfn());
            for (long pfn = 0; pfn < mb.endPfn(); pfn++) {
                PageStatus s = mb.status(pfn);
                PageStatus t = ma.status(pfn);
                if (s == PageStatus.PRESENT && t == PageStatus.EXCLUDED) {
                    out.add(pfn);
                } else {
                    assertEquals(s, t, "PFN " + pfn + " of " + after.getFileName());
                }
            }
        }
        return out;
    }

    /**
     * The other ways to write: a split set (each file), several compression threads, and a flattened
     * stream (once rearranged) are makedumpfile's direct file, or makedumpfile's own split files.
     */
    @Test
    void splitThreadsAndFlattened() throws Exception {
        Corpus.Dump dump = Corpus.x86_64Dumps().get(0);
        String vmcore = dump.vmcore().toString();
        List<Path> created = new ArrayList<>();
        Path direct = dir.resolve("m.direct");
        created.add(direct);
        ok(makedumpfile(args("-z -d 31", vmcore, direct.toString()).toArray(String[]::new)), dir);

        List<String> mSplit = new ArrayList<>();
        List<String> oSplit = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            mSplit.add(dir.resolve("m.split" + i).toString());
            oSplit.add(dir.resolve("o.split" + i).toString());
        }
        List<String> ma = args("--split -z -d 31", vmcore);
        ma.addAll(mSplit);
        List<String> oa = args("--split -z -d 31", vmcore);
        oa.addAll(oSplit);
        ok(makedumpfile(ma.toArray(String[]::new)), dir);
        ok(ours(oa.toArray(String[]::new)), dir);
        StringBuilder sizes = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            Path mp = Path.of(mSplit.get(i));
            Path op = Path.of(oSplit.get(i));
            created.add(mp);
            created.add(op);
            assertSameBytes(mp, op);
            assertTrue(vmemmapBit(op));
            sizes.append(i == 0 ? "" : " + ").append(Files.size(op));
        }

        Path threads = dir.resolve("o.threads");
        created.add(threads);
        ok(ours(args("--num-threads 2 -z -d 31", vmcore, threads.toString()).toArray(String[]::new)), dir);
        assertSameBytes(direct, threads);

        Path flat = dir.resolve("o.flat");
        Path rearranged = dir.resolve("o.flat.R");
        created.add(flat);
        created.add(rearranged);
        Result f = CollectorHarness.run(ours(args("-F -z -d 31", vmcore).toArray(String[]::new)), dir, null, flat);
        assertEquals(0, f.status(), f::toString);
        assertEquals(0, CollectorHarness.run(ours("-R", rearranged.toString()), dir, flat, null).status());
        assertSameBytes(direct, rearranged);
        assertEquals(List.of(), CollectorHarness.files(work), "--work-dir: neither tool leaves a file behind");
        System.out.printf(Locale.ROOT, "%s -e --work-dir DIR -z -d 31: a split set of %s bytes, --num-threads 2 (%d bytes) and -F "
                + "(a %d-byte stream, rearranged with -R) give makedumpfile's files byte for byte%n", dump, sizes,
                Files.size(threads), Files.size(flat));
        for (Path p : created) {
            Files.delete(p);
        }
    }
}
