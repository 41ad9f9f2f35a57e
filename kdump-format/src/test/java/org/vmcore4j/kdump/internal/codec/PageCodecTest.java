package org.vmcore4j.kdump.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.xerial.snappy.Snappy;

/**
 * Each codec: round trips on real pages of the corpus vmcores and on synthetic ones, decoding of
 * what the reference library encodes on its own, refusal of data that expands to anything but a
 * page, and hostile input that yields only {@link CorruptPageException}. Decoding of makedumpfile's
 * own compressed pages is covered by the kdump corpus tests.
 */
class PageCodecTest {
    static final int PAGE = 4096;
    static final Compression[] CODECS = {Compression.ZLIB, Compression.LZO, Compression.SNAPPY, Compression.ZSTD,
            Compression.LZ4};

    static List<byte[]> syntheticPages(long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[PAGE]);
        byte[] random = new byte[PAGE];
        r.nextBytes(random);
        out.add(random);
        byte[] text = new byte[PAGE];
        byte[] word = "struct page { unsigned long flags; } ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            text[i] = word[i % word.length];
        }
        out.add(text);
        byte[] sparse = new byte[PAGE];
        for (int i = 0; i < 40; i++) {
            sparse[r.nextInt(PAGE)] = (byte) r.nextInt();
        }
        out.add(sparse);
        return out;
    }

    static void roundTrip(PageCodec c, byte[] page) throws CorruptPageException {
        byte[] comp = new byte[c.maxCompressedLength(PAGE) + 7];
        int n = c.compress(page, 0, PAGE, comp, 7, comp.length - 7);
        assertTrue(n > 0 && n <= c.maxCompressedLength(PAGE), c.compression() + " compressed to " + n);
        byte[] back = new byte[PAGE + 3];
        c.decompress(comp, 7, n, back, 3, PAGE);
        assertArrayEquals(page, Arrays.copyOfRange(back, 3, 3 + PAGE), c.compression() + " round trip");
        // a page that does not shrink below a page is refused when the caller only has room for less
        int tight = c.compress(page, 0, PAGE, comp, 0, PAGE - 1);
        assertTrue(tight == -1 || (tight > 0 && tight < PAGE));
        if (tight > 0) {
            c.decompress(comp, 0, tight, back, 0, PAGE);
            assertArrayEquals(page, Arrays.copyOf(back, PAGE));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZLIB", "LZO", "SNAPPY", "ZSTD", "LZ4"})
    void roundTripsSyntheticPages(Compression comp) throws CorruptPageException {
        try (PageCodec c = PageCodec.of(comp)) {
            assertEquals(comp, c.compression());
            for (byte[] p : syntheticPages(comp.ordinal())) {
                roundTrip(c, p);
            }
        }
    }

    /** 2000 real pages of each corpus vmcore, spread over its file, through every codec. */
    @Test
    @RequiresCorpus
    void roundTripsRealPagesOfTheCorpus() throws Exception {
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            try (RandomAccessSource src = RandomAccessSource.open(d.vmcore())) {
                long pages = src.size() / PAGE;
                byte[] page = new byte[PAGE];
                int n = 0;
                List<PageCodec> codecs = new ArrayList<>();
                for (Compression c : CODECS) {
                    codecs.add(PageCodec.of(c));
                }
                try {
                    for (long i = 1; i < pages && n < 2000; i += Math.max(1, pages / 2000)) {
                        src.read(i * PAGE, page, 0, PAGE);
                        for (PageCodec c : codecs) {
                            roundTrip(c, page);
                        }
                        n++;
                    }
                } finally {
                    codecs.forEach(PageCodec::close);
                }
                assertTrue(n >= 1000, "sampled " + n + " pages");
                System.out.printf(Locale.ROOT, "%s: %d real pages round-tripped through %d codecs%n", d, n, codecs.size());
            }
        }
    }

    /** What each reference library writes by itself (other levels, other entry points) decodes here. */
    @Test
    void decodesTheReferenceEncoders() throws Exception {
        for (byte[] page : syntheticPages(7)) {
            // zlib: java.util.zip at the default and best levels, via the stream API
            for (int level : new int[] {Deflater.DEFAULT_COMPRESSION, Deflater.BEST_COMPRESSION}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(level))) {
                    z.write(page);
                }
                decode(Compression.ZLIB, out.toByteArray(), page);
            }
            decode(Compression.SNAPPY, Snappy.compress(page), page);
            decode(Compression.ZSTD, Zstd.compress(page, 19), page);
            decode(Compression.LZ4, LZ4Factory.safeInstance().highCompressor().compress(page), page);
            // and ours decodes with theirs: zlib wrapper readable by InflaterInputStream, zstd by Zstd.decompress
            try (PageCodec z = PageCodec.of(Compression.ZLIB); PageCodec zs = PageCodec.of(Compression.ZSTD)) {
                byte[] buf = new byte[z.maxCompressedLength(PAGE)];
                int n = z.compress(page, 0, PAGE, buf, 0, buf.length);
                assertArrayEquals(page, new InflaterInputStream(new ByteArrayInputStream(buf, 0, n)).readAllBytes());
                byte[] zb = new byte[zs.maxCompressedLength(PAGE)];
                int m = zs.compress(page, 0, PAGE, zb, 0, zb.length);
                assertEquals(PAGE, Zstd.getFrameContentSize(zb, 0, m), "frame carries the content size");
                assertArrayEquals(page, Zstd.decompress(Arrays.copyOf(zb, m), PAGE));
                assertArrayEquals(page, Snappy.uncompress(snappyOf(page)));
            }
        }
    }

    private static byte[] snappyOf(byte[] page) throws CorruptPageException {
        try (PageCodec s = PageCodec.of(Compression.SNAPPY)) {
            byte[] b = new byte[s.maxCompressedLength(PAGE)];
            int n = s.compress(page, 0, PAGE, b, 0, b.length);
            return Arrays.copyOf(b, n);
        }
    }

    private static void decode(Compression comp, byte[] data, byte[] expect) throws CorruptPageException {
        try (PageCodec c = PageCodec.of(comp)) {
            byte[] out = new byte[PAGE];
            c.decompress(data, 0, data.length, out, 0, PAGE);
            assertArrayEquals(expect, out, comp + " decodes the reference encoder");
        }
    }

    /** Valid streams of half a page, or of a page and a byte, are not a page: refused. */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZLIB", "LZO", "SNAPPY", "ZSTD", "LZ4"})
    void refusesDataThatIsNotExactlyAPage(Compression comp) {
        try (PageCodec c = PageCodec.of(comp)) {
            for (int len : new int[] {PAGE / 2, PAGE + 1}) {
                byte[] src = new byte[len];
                Arrays.fill(src, (byte) 'k');
                byte[] comp2 = new byte[c.maxCompressedLength(len)];
                int n = c.compress(src, 0, len, comp2, 0, comp2.length);
                byte[] out = new byte[PAGE + 64];
                assertThrows(CorruptPageException.class, () -> c.decompress(comp2, 0, n, out, 0, PAGE),
                        comp + " stream of " + len + " bytes");
            }
        }
    }

    @Test
    void flagsNameOneMethodOrNone() {
        assertEquals(Compression.NONE, Compression.fromFlags(0));
        assertEquals(Compression.NONE, Compression.fromFlags(0x8 | 0x10)); // INCOMPLETE, EXCLUDED_VMEMMAP
        assertEquals(Compression.ZSTD, Compression.fromFlags(0x20 | 0x8));
        assertEquals(Compression.LZ4, Compression.fromFlags(Compression.LZ4_FLAG));
        assertNull(Compression.fromFlags(0x1 | 0x2));
        for (Compression c : Compression.values()) {
            assertEquals(c, Compression.fromFlags(c.flag()));
            assertEquals(c == Compression.LZ4, c.isExtension());
        }
        // vmcore4j's bit is none of makedumpfile's status bits (diskdump_mod.h: 0x1..0x20) nor the sign bit
        assertEquals(0, Compression.LZ4_FLAG & 0x3f);
        assertTrue(Compression.LZ4_FLAG > 0);
    }

    @Provide
    Arbitrary<Compression> codecs() {
        return Arbitraries.of(CODECS);
    }

    /**
     * Random bytes, and valid pages with bytes changed or cut: a codec either produces exactly a page
     * or throws {@link CorruptPageException}; nothing else, and never writes outside its output range.
     */
    @Property(tries = 1500)
    void hostileInputYieldsAPageOrCorruptPageException(@ForAll("codecs") Compression comp, @ForAll long seed,
            @ForAll @IntRange(min = 0, max = 3) int mode) {
        Random r = new Random(seed);
        try (PageCodec c = PageCodec.of(comp)) {
            byte[] data;
            if (mode == 0) {
                data = new byte[r.nextInt(PAGE + 1)];
                r.nextBytes(data);
            } else {
                byte[] page = syntheticPages(seed).get(r.nextInt(4));
                byte[] buf = new byte[c.maxCompressedLength(PAGE)];
                int n = c.compress(page, 0, PAGE, buf, 0, buf.length);
                data = Arrays.copyOf(buf, n);
                if (mode == 1) {
                    data = Arrays.copyOf(data, r.nextInt(data.length + 1));
                } else {
                    for (int i = 0; i < mode; i++) {
                        data[r.nextInt(data.length)] ^= (byte) (1 + r.nextInt(255));
                    }
                }
            }
            byte[] out = new byte[PAGE + 32];
            Arrays.fill(out, (byte) 0x5a);
            try {
                c.decompress(data, 0, data.length, out, 16, PAGE);
            } catch (CorruptPageException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
            }
            for (int i = 0; i < 16; i++) {
                assertEquals(0x5a, out[i], "wrote before its range");
                assertEquals(0x5a, out[16 + PAGE + i], "wrote past its range");
            }
        }
    }

    @Test
    void snappyLengthPreambleIsCheckedBeforeDecoding() throws IOException {
        // a valid block whose preamble claims 1 GiB: refused without touching the output
        byte[] huge = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0};
        try (PageCodec c = PageCodec.of(Compression.SNAPPY)) {
            CorruptPageException e = assertThrows(CorruptPageException.class,
                    () -> c.decompress(huge, 0, huge.length, new byte[PAGE], 0, PAGE));
            assertTrue(e.getMessage().contains("declares"), e.getMessage());
        }
    }
}
