package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.LiblzoHelper;
import org.vmcore4j.kdump.internal.codec.Lzo1x1Compressor;
import org.vmcore4j.kdump.internal.codec.PageCodec;
import org.vmcore4j.kdump.internal.codec.PageCompressor;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Our LZO1X-1 encoder on real pages, against both references: every page makedumpfile 1.7.9's
 * {@code -l -d 31} output of each corpus vmcore holds (the pages that level keeps; the zero pages
 * among them, found only while writing, point at one shared raw zero page), and a sample spread over
 * its {@code -d 0} output (where zero pages are compressed like any other). Each page, compressed by {@link Lzo1x1Compressor}, must
 * equal byte for byte what liblzo2's {@code lzo1x_1_compress} gives (through {@link LiblzoHelper}), and
 * must be stored as makedumpfile stored it: the same compressed bytes, or raw where the page did not
 * shrink. Needs the corpus, makedumpfile, gcc and liblzo2-dev.
 */
@RequiresCorpus
@RequiresMakedumpfile
class LzoEncoderCorpusTest {
    /** Pages taken, evenly spread, from each {@code -d 0} output. */
    private static final int D0_SAMPLE = 25_000;
    /** Pages sent to the liblzo2 helper at once (bounds the memory a batch takes). */
    private static final int BATCH = 2048;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : CorpusChecks.dumps()) {
            out.add(Arguments.of(d, 31));
            out.add(Arguments.of(d, 0));
        }
        return out.stream();
    }

    /** What one output's comparison covered. */
    private static final class Tally {
        long pages;
        long nonZero;
        long equalToLiblzo2;
        long storedCompressed;
        long storedRaw;
        long zeroPages;
        long oursBytes;
        long makedumpfileBytes;
    }

    @ParameterizedTest(name = "{0} -l -d {1}")
    @MethodSource("cases")
    void everyPageEncodesAsLiblzo2AndMakedumpfile(Corpus.Dump d, int level) throws Exception {
        LiblzoHelper.path();
        Path file = ReferenceOutputs.output(d, "d" + level + "-l", "-d", Integer.toString(level), "-l");
        Tally t = new Tally();
        try (KdumpVmcore k = KdumpVmcore.open(file)) {
            assertEquals(1, k.files().size());
            RandomAccessSource source = k.files().get(0).source();
            int pageSize = k.physicalMemory().pageSize();
            PageBitmap dumpable = k.dumpableBitmap();
            long stride = level == 0 ? Math.max(1, dumpable.cardinality() / D0_SAMPLE) : 1;
            List<byte[]> pages = new ArrayList<>();
            List<byte[]> stored = new ArrayList<>();
            List<Long> pfns = new ArrayList<>();
            try (PageCodec decoder = PageCodec.of(Compression.LZO)) {
                long index = 0;
                for (long pfn = dumpable.nextSetBit(0); pfn >= 0; pfn = dumpable.nextSetBit(pfn + 1), index++) {
                    if (index % stride != 0) {
                        continue;
                    }
                    PageDescriptor desc = k.pageDescriptor(pfn).orElseThrow();
                    byte[] data = new byte[desc.size()];
                    source.read(desc.offset(), data, 0, data.length);
                    byte[] page;
                    if (desc.compression() == Compression.LZO) {
                        page = new byte[pageSize];
                        decoder.decompress(data, 0, data.length, page, 0, pageSize);
                    } else {
                        assertEquals(0, desc.flags(), "PFN " + pfn + " flags");
                        assertEquals(pageSize, data.length, "raw page size of PFN " + pfn);
                        page = data;
                        data = null;
                    }
                    pages.add(page);
                    stored.add(data);
                    pfns.add(pfn);
                    if (pages.size() == BATCH) {
                        compare(d, pages, stored, pfns, pageSize, t);
                    }
                }
                compare(d, pages, stored, pfns, pageSize, t);
            }
        }
        System.out.printf(Locale.ROOT, "LZO1X-1 %s -l -d %d: %,d pages compared (%,d non-zero), %,d byte-identical to "
                + "lzo1x_1_compress; makedumpfile stored %,d compressed (all equal to ours: %,d bytes ours, %,d "
                + "makedumpfile), %,d raw (ours no smaller either), %,d as its shared zero page%n", d, level, t.pages,
                t.nonZero, t.equalToLiblzo2, t.storedCompressed, t.oursBytes, t.makedumpfileBytes, t.storedRaw,
                t.zeroPages);
        assertEquals(t.pages, t.equalToLiblzo2);
        assertTrue(t.pages >= (level == 0 ? 20_000 : 10_000), "only " + t.pages + " pages compared");
    }

    /** Compares one batch with liblzo2 and with makedumpfile's stored form, then empties the lists. */
    private static void compare(Corpus.Dump d, List<byte[]> pages, List<byte[]> stored, List<Long> pfns, int pageSize,
            Tally t) throws Exception {
        if (pages.isEmpty()) {
            return;
        }
        List<byte[]> theirs = LiblzoHelper.compressEach(pages);
        Lzo1x1Compressor encoder = new Lzo1x1Compressor();
        byte[] out = new byte[Lzo1x1Compressor.maxCompressedLength(pageSize)];
        byte[] kept = new byte[pageSize];
        try (PageCompressor writer = new PageCompressor(Compression.LZO, pageSize)) {
            for (int i = 0; i < pages.size(); i++) {
                byte[] page = pages.get(i);
                String where = d + " PFN " + pfns.get(i);
                int n = encoder.compress(page, 0, pageSize, out, 0, out.length);
                byte[] ours = Arrays.copyOf(out, n);
                if (!Arrays.equals(ours, theirs.get(i))) {
                    throw new AssertionError(where + ": not lzo1x_1_compress's bytes\n"
                            + describe(ours, theirs.get(i)));
                }
                t.equalToLiblzo2++;
                t.pages++;
                if (!isZero(page)) {
                    t.nonZero++;
                }
                // what the dump writer stores: compressed only if strictly smaller than the page
                int w = writer.compress(page, 0, kept, 0);
                byte[] mdf = stored.get(i);
                if (mdf != null) {
                    assertTrue(w > 0, where + ": makedumpfile stored it compressed, ours would store it raw");
                    if (!Arrays.equals(Arrays.copyOf(kept, w), mdf)) {
                        throw new AssertionError(where + ": not the bytes makedumpfile stored\n"
                                + describe(Arrays.copyOf(kept, w), mdf));
                    }
                    t.storedCompressed++;
                    t.oursBytes += w;
                    t.makedumpfileBytes += mdf.length;
                } else if (isZero(page)) {
                    t.zeroPages++;
                } else {
                    assertEquals(-1, w, where + ": makedumpfile stored it raw, ours would compress it");
                    t.storedRaw++;
                }
            }
        }
        pages.clear();
        stored.clear();
        pfns.clear();
    }

    private static boolean isZero(byte[] page) {
        for (byte b : page) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String describe(byte[] ours, byte[] theirs) {
        int at = Arrays.mismatch(ours, theirs);
        return String.format(Locale.ROOT, "ours %d bytes, theirs %d, first difference at byte %d", ours.length, theirs.length, at);
    }
}
