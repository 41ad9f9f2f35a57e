package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.FlattenedSource;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * makedumpfile's flattened stream ({@code -F -l -d 31}) of each corpus vmcore: read in place as a
 * dump, and rearranged by {@link FlattenedRearranger} into a file byte-identical to
 * {@code makedumpfile -R}'s.
 */
@RequiresCorpus
@RequiresMakedumpfile
class FlattenedCorpusTest {

    static Corpus.Dump[] dumps() {
        return CorpusChecks.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void readsTheFlattenedStreamInPlace(Corpus.Dump d) throws IOException {
        Path flat = ReferenceOutputs.flattened(d, "F-d31-l", "-d", "31", "-l");
        try (Vmcore v = Vmcore.open(flat)) {
            KdumpVmcore k = assertInstanceOf(KdumpVmcore.class, v);
            CorpusChecks.checkHeader(k, 31, Compression.LZO.flag());
            try (ElfPages ref = new ElfPages(d.vmcore(), k.physicalMemory().pageSize())) {
                CorpusChecks.Tally t = CorpusChecks.verify(k, ref, 1);
                assertEquals(t.present(), t.compared());
                System.out.printf(Locale.ROOT, "%s flattened: %d pages compared%n", d, t.compared());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void rearrangesLikeMakedumpfileR(Corpus.Dump d) throws IOException {
        Path flat = ReferenceOutputs.flattened(d, "F-d31-l", "-d", "31", "-l");
        Path theirs = ReferenceOutputs.rearranged(d, "R-d31-l", flat);
        Path ours = ReferenceOutputs.dir(d).resolve("ours-R-d31-l");
        FlattenedRearranger.Result r;
        try (InputStream in = Files.newInputStream(flat)) {
            r = FlattenedRearranger.rearrange(in, flat.toString(), ours);
        }
        try {
            assertEquals(Files.size(theirs), Files.size(ours));
            assertEquals(Files.size(theirs), r.outputSize());
            assertTrue(r.records() > 1);
            assertSameBytes(theirs, ours);
            // the in-place view reads the same bytes, gaps included
            try (RandomAccessSource view = FlattenedSource.open(RandomAccessSource.open(flat));
                    RandomAccessSource ref = RandomAccessSource.open(theirs)) {
                assertEquals(ref.size(), view.size());
                byte[] a = new byte[1 << 20];
                byte[] b = new byte[1 << 20];
                for (long pos = 0; pos < ref.size(); pos += a.length) {
                    int n = (int) Math.min(a.length, ref.size() - pos);
                    ref.read(pos, a, 0, n);
                    view.read(pos, b, 0, n);
                    if (!java.util.Arrays.equals(a, 0, n, b, 0, n)) {
                        assertArrayEquals(java.util.Arrays.copyOf(a, n), java.util.Arrays.copyOf(b, n), "at " + pos);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%s -R: %d records, %d bytes identical%n", d, r.records(), r.outputSize());
        } finally {
            Files.deleteIfExists(ours);
        }
    }

    static void assertSameBytes(Path expected, Path actual) throws IOException {
        try (InputStream a = Files.newInputStream(expected); InputStream b = Files.newInputStream(actual)) {
            byte[] x = new byte[1 << 20];
            byte[] y = new byte[1 << 20];
            long pos = 0;
            while (true) {
                int n = a.readNBytes(x, 0, x.length);
                int m = b.readNBytes(y, 0, y.length);
                assertEquals(n, m, "length at " + pos);
                if (n == 0) {
                    return;
                }
                if (!java.util.Arrays.equals(x, 0, n, y, 0, n)) {
                    int i = java.util.Arrays.mismatch(x, 0, n, y, 0, n);
                    throw new AssertionError(actual + " differs from " + expected + " at byte " + (pos + i));
                }
                pos += n;
            }
        }
    }
}
