package org.vmcore4j.kdump.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.kdump.codec.CorruptPageException;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;

/**
 * Our LZO1X against the real liblzo2, through {@link LiblzoHelper}: what {@link LzoCodec}
 * compresses must decode with {@code lzo1x_decompress_safe} to the same page (crash and makedumpfile
 * read our {@code -l} dumps with it) and equal, byte for byte, what {@code lzo1x_1_compress} writes
 * (makedumpfile {@code -l}); and what {@code lzo1x_1_compress} writes must decode with ours.
 *
 * <p>Without gcc or liblzo2-dev the tests skip, or fail under {@code VMCORE4J_REQUIRE_CORPUS=1}.
 */
class LzoInteropTest {
    /** Counts of one data set, printed by each test. */
    record Outcome(String name, int blocks, int oursDecodedByLiblzo, int liblzoDecodedByOurs, int identical,
            long oursBytes, long liblzoBytes, List<String> failures) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %d blocks; ours -> lzo1x_decompress_safe ok %d/%d; lzo1x_1_compress -> ours ok %d/%d;"
                            + " byte-identical to lzo1x_1_compress %d/%d; compressed bytes ours %d, liblzo2 %d (%+.2f%%)",
                    name, blocks, oursDecodedByLiblzo, blocks, liblzoDecodedByOurs, blocks, identical, blocks, oursBytes,
                    liblzoBytes, 100.0 * (oursBytes - liblzoBytes) / liblzoBytes);
        }
    }

    /** Runs both directions and the byte comparison over {@code blocks}, all of length {@code block}. */
    static Outcome check(String name, int block, List<byte[]> blocks) throws Exception {
        LiblzoHelper.path();
        List<String> failures = new ArrayList<>();
        // ours -> liblzo2
        List<byte[]> ours = new ArrayList<>();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        try (PageCodec codec = new LzoCodec()) {
            byte[] out = new byte[codec.maxCompressedLength(block)];
            for (byte[] b : blocks) {
                int n = codec.compress(b, 0, block, out, 0, out.length);
                assertTrue(n > 0, "our LZO compress returned " + n);
                ours.add(Arrays.copyOf(out, n));
                records.write(le32(n));
                records.write(out, 0, n);
            }
        }
        ByteBuffer decoded = ByteBuffer.wrap(LiblzoHelper.run("decompress", block, records.toByteArray())).order(ByteOrder.LITTLE_ENDIAN);
        int okLiblzo = 0;
        for (int i = 0; i < blocks.size(); i++) {
            int status = decoded.getInt();
            int len = decoded.getInt();
            byte[] page = new byte[block];
            decoded.get(page);
            if (status == 0 && len == block && Arrays.equals(page, blocks.get(i))) {
                okLiblzo++;
            } else if (failures.size() < 10) {
                failures.add(name + " block " + i + ": lzo1x_decompress_safe of our " + ours.get(i).length
                        + "-byte stream gave status " + status + ", " + len + " bytes, "
                        + (Arrays.equals(page, blocks.get(i)) ? "equal" : "different") + " contents; ours (hex): "
                        + hex(ours.get(i)));
            }
        }
        // liblzo2 -> ours
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] b : blocks) {
            all.write(b);
        }
        ByteBuffer theirs = ByteBuffer.wrap(LiblzoHelper.run("compress", block, all.toByteArray())).order(ByteOrder.LITTLE_ENDIAN);
        int okOurs = 0;
        int identical = 0;
        long oursBytes = 0;
        long liblzoBytes = 0;
        try (PageCodec codec = new LzoCodec()) {
            byte[] page = new byte[block];
            for (int i = 0; i < blocks.size(); i++) {
                byte[] ref = new byte[theirs.getInt()];
                theirs.get(ref);
                oursBytes += ours.get(i).length;
                liblzoBytes += ref.length;
                if (Arrays.equals(ref, ours.get(i))) {
                    identical++;
                }
                try {
                    codec.decompress(ref, 0, ref.length, page, 0, block);
                    if (Arrays.equals(page, blocks.get(i))) {
                        okOurs++;
                    } else if (failures.size() < 10) {
                        failures.add(name + " block " + i + ": our decoder gives other bytes for lzo1x_1_compress output");
                    }
                } catch (CorruptPageException e) {
                    if (failures.size() < 10) {
                        failures.add(name + " block " + i + ": our decoder rejects lzo1x_1_compress output: " + e.getMessage());
                    }
                }
            }
        }
        assertEquals(0, theirs.remaining(), "trailing helper output");
        Outcome o = new Outcome(name, blocks.size(), okLiblzo, okOurs, identical, oursBytes, liblzoBytes, failures);
        System.out.println("LZO interop " + o);
        return o;
    }

    static void assertAllDecodedAndIdentical(Outcome o) {
        assertTrue(o.oursDecodedByLiblzo() == o.blocks() && o.liblzoDecodedByOurs() == o.blocks()
                && o.identical() == o.blocks(), o + "\n" + String.join("\n", o.failures()));
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 64); i++) {
            s.append(String.format(Locale.ROOT, "%02x", b[i]));
        }
        return b.length > 64 ? s + "..." : s.toString();
    }

    /**
     * Pages that drive the encoder through its cases: all zero, random, text, sparse, runs of every
     * length, short-period patterns, and seeded mixtures of literals, near and far back-references
     * (beyond 16 KiB for blocks that large: LZO1X's M4 matches) and runs.
     */
    static List<byte[]> synthetic(int block, int mixtures, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[block]);
        byte[] ff = new byte[block];
        Arrays.fill(ff, (byte) 0xff);
        out.add(ff);
        byte[] random = new byte[block];
        r.nextBytes(random);
        out.add(random);
        byte[] text = new byte[block];
        byte[] word = "struct page { unsigned long flags; } ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < block; i++) {
            text[i] = word[i % word.length];
        }
        out.add(text);
        byte[] sparse = new byte[block];
        for (int i = 0; i < 40; i++) {
            sparse[r.nextInt(block)] = (byte) r.nextInt();
        }
        out.add(sparse);
        for (int period = 1; period <= 9; period++) {
            byte[] p = new byte[block];
            for (int i = 0; i < block; i++) {
                p[i] = (byte) (i % period * 37 + 1);
            }
            out.add(p);
        }
        byte[] counting = new byte[block];
        for (int i = 0; i < block; i += 4) {
            int v = i / 4;
            counting[i] = (byte) v;
            if (i + 1 < block) {
                counting[i + 1] = (byte) (v >>> 8);
            }
        }
        out.add(counting);
        for (int m = 0; m < mixtures; m++) {
            byte[] p = new byte[block];
            int at = 0;
            while (at < block) {
                int kind = r.nextInt(4);
                int len = Math.min(block - at, 1 + (r.nextInt(8) == 0 ? r.nextInt(600) : r.nextInt(24)));
                switch (kind) {
                    case 0 -> { // literals, low or high entropy
                        for (int i = 0; i < len; i++) {
                            p[at + i] = (byte) (r.nextBoolean() ? r.nextInt() : 'a' + r.nextInt(4));
                        }
                    }
                    case 1 -> { // a run
                        Arrays.fill(p, at, at + len, (byte) r.nextInt(3));
                    }
                    default -> { // a copy from anywhere before, overlapping or not
                        if (at == 0) {
                            p[at] = (byte) r.nextInt();
                            len = 1;
                        } else {
                            int dist = 1 + (kind == 2 ? r.nextInt(Math.min(at, 64)) : r.nextInt(at));
                            for (int i = 0; i < len; i++) {
                                p[at + i] = p[at + i - dist];
                            }
                        }
                    }
                }
                at += len;
            }
            out.add(p);
        }
        return out;
    }

    @Test
    void syntheticPagesInteroperateWithLiblzo2() throws Exception {
        assertAllDecodedAndIdentical(check("synthetic 4 KiB", 4096, synthetic(4096, 400, 1)));
    }

    /** 16 and 64 KiB: pages of arm64/ppc64 kernels, where matches reach past 16 KiB (M4). */
    @Test
    void largePagesInteroperateWithLiblzo2() throws Exception {
        assertAllDecodedAndIdentical(check("synthetic 16 KiB", 16384, synthetic(16384, 60, 2)));
        assertAllDecodedAndIdentical(check("synthetic 64 KiB", 65536, synthetic(65536, 30, 3)));
    }

    /** Odd lengths: the tail handling of both encoders (pages are never odd, but LZO blocks can be). */
    @Test
    void oddLengthsInteroperateWithLiblzo2() throws Exception {
        for (int len : new int[] {1, 2, 3, 4, 5, 13, 20, 21, 100, 4095, 4097}) {
            assertAllDecodedAndIdentical(check("synthetic " + len + " B", len, synthetic(len, 20, len)));
        }
    }

    /** Up to 2000 pages of each corpus vmcore, spread over the file, zero pages left out as makedumpfile does. */
    @Test
    @RequiresCorpus
    void realPagesInteroperateWithLiblzo2() throws Exception {
        LiblzoHelper.path();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            List<byte[]> pages = new ArrayList<>();
            try (RandomAccessSource src = RandomAccessSource.open(d.vmcore())) {
                long n = src.size() / 4096;
                for (long i = 1; i < n && pages.size() < 2000; i += Math.max(1, n / 4000)) {
                    byte[] page = new byte[4096];
                    src.read(i * 4096, page, 0, 4096);
                    if (!Arrays.equals(page, new byte[4096])) {
                        pages.add(page);
                    }
                }
            }
            assertTrue(pages.size() >= 500, d + ": only " + pages.size() + " non-zero pages sampled");
            assertAllDecodedAndIdentical(check(d + " real pages", 4096, pages));
        }
    }
}
