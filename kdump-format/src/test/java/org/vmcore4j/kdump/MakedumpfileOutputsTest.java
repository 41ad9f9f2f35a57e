package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Every kdump-compressed output makedumpfile 1.7.9 writes from each corpus vmcore, read back
 * through {@link Vmcore#open} and compared page by page with the vmcore itself.
 */
@RequiresCorpus
@RequiresMakedumpfile
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MakedumpfileOutputsTest {
    /** Pages compared in each {@code -d 0} output (every present page of the {@code -d 31} ones). */
    static final int D0_SAMPLE = 25_000;

    static Stream<Arguments> compressedOutputs() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : CorpusChecks.dumps()) {
            for (int level : new int[] {31, 0}) {
                for (String opt : new String[] {"-c", "-l", "-p", "-z"}) {
                    out.add(Arguments.of(d, level, opt));
                }
            }
            out.add(Arguments.of(d, 31, ""));
        }
        return out.stream();
    }

    static int flagOf(String opt) {
        return switch (opt) {
            case "-c" -> Compression.ZLIB.flag();
            case "-l" -> Compression.LZO.flag();
            case "-p" -> Compression.SNAPPY.flag();
            case "-z" -> Compression.ZSTD.flag();
            default -> 0;
        };
    }

    @ParameterizedTest(name = "{0} -d {1} {2}")
    @MethodSource("compressedOutputs")
    void readsEveryOutputLikeTheVmcore(Corpus.Dump d, int level, String opt) throws IOException {
        String name = "d" + level + (opt.isEmpty() ? "-raw" : opt);
        List<String> args = new ArrayList<>(List.of("-d", Integer.toString(level)));
        if (!opt.isEmpty()) {
            args.add(opt);
        }
        Path file = ReferenceOutputs.output(d, name, args.toArray(new String[0]));
        try (Vmcore v = Vmcore.open(file)) {
            KdumpVmcore k = assertInstanceOf(KdumpVmcore.class, v);
            assertEquals("kdump", v.formatName());
            CorpusChecks.checkHeader(k, level, flagOf(opt));
            try (ElfPages ref = new ElfPages(d.vmcore(), k.physicalMemory().pageSize())) {
                long stride = level == 0 ? Math.max(1, k.dumpableBitmap().cardinality() / D0_SAMPLE) : 1;
                CorpusChecks.Tally t = CorpusChecks.verify(k, ref, stride);
                assertEquals(0, t.lost());
                if (level == 0) {
                    assertEquals(0, t.excluded(), "-d 0 excludes nothing");
                    assertTrue(t.compared() >= 20_000, "compared " + t.compared());
                } else {
                    assertEquals(t.present(), t.compared());
                    assertTrue(t.excluded() > 0 && t.excludedReads() > 0, "-d 31 excludes pages");
                }
                System.out.printf(Locale.ROOT, "%s %s: %d present (%d compared), %d excluded, %d not RAM%n", d, name, t.present(),
                        t.compared(), t.excluded(), t.notRam());
            }
        }
    }

    @ParameterizedTest(name = "{0} --split {1}")
    @MethodSource("splitCases")
    void readsSplitSetsAsOneDump(Corpus.Dump d, int parts) throws IOException {
        List<Path> files = ReferenceOutputs.split(d, "split" + parts + "-d31-l", parts, "-d", "31", "-l");
        Path single = ReferenceOutputs.output(d, "d31-l", "-d", "31", "-l");
        List<Path> shuffled = new ArrayList<>(files);
        java.util.Collections.reverse(shuffled); // any order opens the same set
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(shuffled);
                KdumpVmcore one = KdumpVmcore.open(single);
                ElfPages ref = new ElfPages(d.vmcore(), set.physicalMemory().pageSize())) {
            assertEquals(parts, set.files().size());
            long expectStart = 0;
            for (KdumpFile f : set.files()) {
                assertTrue(f.isSplit());
                assertEquals(expectStart, f.startPfn());
                expectStart = f.endPfn();
            }
            assertEquals(set.physicalMemory().endPfn(), expectStart);
            CorpusChecks.checkHeader(set, 31, Compression.LZO.flag());
            CorpusChecks.Tally t = CorpusChecks.verify(set, ref, 1);
            assertEquals(t.present(), t.compared());
            assertEquals(one.dumpableBitmap().cardinality(), t.present());
            for (long pfn = 0; pfn < one.physicalMemory().endPfn(); pfn++) {
                PageStatus a = one.physicalMemory().status(pfn);
                PageStatus b = set.physicalMemory().status(pfn);
                if (a != b) {
                    assertEquals(a, b, "status of PFN " + pfn + ": single file vs split set");
                }
            }
            System.out.printf(Locale.ROOT, "%s split %d: %d pages compared%n", d, parts, t.compared());
        }
    }

    /**
     * {@code -E -d 31}, read by the ELF reader through {@link Vmcore#open}: every page the
     * {@code -d 31} kdump output holds with non-zero bytes is in the ELF output with the vmcore's
     * bytes (makedumpfile drops zero pages from ELF output, so those may be left out).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.vmcore4j.kdump.CorpusChecks#dumps")
    void elfOutputHoldsEveryDumpablePage(Corpus.Dump d) throws IOException {
        Path elf = ReferenceOutputs.output(d, "E-d31", "-E", "-d", "31");
        Path kd = ReferenceOutputs.output(d, "d31-l", "-d", "31", "-l");
        try (Vmcore e = Vmcore.open(elf); KdumpVmcore k = KdumpVmcore.open(kd);
                ElfPages ref = new ElfPages(d.vmcore(), k.physicalMemory().pageSize())) {
            assertEquals("elf", e.formatName());
            int ps = k.physicalMemory().pageSize();
            byte[] a = new byte[ps];
            byte[] b = new byte[ps];
            long compared = 0;
            long zeroLeftOut = 0;
            PageBitmap dumpable = k.dumpableBitmap();
            for (long pfn = dumpable.nextSetBit(0); pfn >= 0; pfn = dumpable.nextSetBit(pfn + 1)) {
                ref.read(pfn, b);
                try {
                    e.physicalMemory().readPage(pfn, a, 0);
                    assertArrayEquals(b, a, "ELF output page " + pfn);
                    compared++;
                } catch (MemoryAccessException x) {
                    assertTrue(java.util.Arrays.equals(b, new byte[ps]), "non-zero page " + pfn + " missing: " + x);
                    zeroLeftOut++;
                }
            }
            assertEquals(dumpable.cardinality(), compared + zeroLeftOut);
            System.out.printf(Locale.ROOT, "%s -E: %d pages compared, %d zero pages left out%n", d, compared, zeroLeftOut);
        }
    }

    /**
     * {@code -L} stops makedumpfile at a size limit: the INCOMPLETE flag is set and the descriptors
     * of pages it could not write are zero. Those read as LOST; the pages written still read right.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.vmcore4j.kdump.CorpusChecks#dumps")
    void readsIncompleteDumps(Corpus.Dump d) throws IOException {
        Path file = ReferenceOutputs.output(d, "d31-l-L4M", true, "-d", "31", "-l", "-L", "4M");
        try (KdumpVmcore k = KdumpVmcore.open(file);
                ElfPages ref = new ElfPages(d.vmcore(), k.physicalMemory().pageSize())) {
            assertTrue(k.incomplete() && k.header().incomplete());
            CorpusChecks.Tally t = CorpusChecks.verify(k, ref, 1);
            assertTrue(t.lost() > 0 && t.present() > 0, t.toString());
            assertEquals(t.present(), t.compared());
            byte[] page = new byte[k.physicalMemory().pageSize()];
            long lost = 0;
            for (long pfn = 0; pfn < k.physicalMemory().endPfn() && lost < 100; pfn++) {
                if (k.physicalMemory().status(pfn) == PageStatus.LOST) {
                    long p = pfn;
                    MemoryAccessException e = org.junit.jupiter.api.Assertions.assertThrows(MemoryAccessException.class,
                            () -> k.physicalMemory().readPage(p, page, 0));
                    assertEquals(MemoryAccessException.Reason.LOST, e.reason());
                    lost++;
                }
            }
            System.out.printf(Locale.ROOT, "%s -L 4M: %d present (compared), %d lost%n", d, t.present(), t.lost());
        }
    }

    static Stream<Arguments> splitCases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : CorpusChecks.dumps()) {
            out.add(Arguments.of(d, 2));
            out.add(Arguments.of(d, 3));
        }
        return out.stream();
    }
}
