package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * Damaged input: kdump files, split sets and flattened streams with mutated header, sub-header,
 * note, bitmap and descriptor fields (extreme values at field offsets, random bytes) or truncated
 * anywhere. Each either reads correctly or fails with a {@link VmcoreFormatException} (a page that is
 * not there, with a {@link MemoryAccessException}); nothing else escapes, nothing allocates by a
 * size field, nothing loops without bound.
 */
class HostileInputProperties {
    private static Path scratch;

    @BeforeContainer
    static void makeScratch() throws IOException {
        scratch = Files.createTempFile("rearranged", ".bin");
    }

    @AfterContainer
    static void dropScratch() throws IOException {
        Files.deleteIfExists(scratch);
        System.out.printf(Locale.ROOT, "hostile inputs: %d rejected at open, %d opened; of those, %d pages read, %d damaged pages"
                + " rejected, %d unavailable%n", OUTCOMES[0], OUTCOMES[1], OUTCOMES[2], OUTCOMES[3], OUTCOMES[4]);
    }

    /** Rejected at open, opened, pages read, damaged pages rejected, pages not available. */
    private static final long[] OUTCOMES = new long[5];

    @Provide
    Arbitrary<HeaderLayout> layouts() {
        return Arbitraries.of(HeaderLayout.values());
    }

    @Provide
    Arbitrary<Compression> compressions() {
        return Arbitraries.of(Compression.values());
    }

    static SyntheticKdump base(HeaderLayout layout, boolean bigEndian, int version, Compression c, long seed) {
        return SyntheticKdump(layout, bigEndian, version, c, seed, 96);
    }

    static SyntheticKdump SyntheticKdump(HeaderLayout layout, boolean bigEndian, int version, Compression c, long seed,
            int mapnr) {
        return new SyntheticKdump(layout, bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, version, 512, mapnr,
                c, seed);
    }

    /** Offsets of every field a reader trusts: header, sub-header, note headers, bitmaps, descriptors. */
    static List<Integer> fieldOffsets(SyntheticKdump s, int fileSize) {
        List<Integer> o = new ArrayList<>();
        HeaderLayout l = s.layout;
        Collections.addAll(o, 0, HeaderLayout.OFF_VERSION, l.offTimestamp(), l.offStatus(), l.offBlockSize(),
                l.offSubHdrSize(), l.offBitmapBlocks(), l.offMaxMapnr(), l.offStatus() + 36);
        int b = s.blockSize;
        for (int f : new int[] {l.subPhysBase(), l.subDumpLevel(), l.subSplit(), l.subStartPfn(), l.subEndPfn(),
                l.subOffsetVmcoreinfo(), l.subSizeVmcoreinfo(), l.subOffsetNote(), l.subSizeNote(),
                l.subOffsetEraseinfo(), l.subSizeEraseinfo(), l.subStartPfn64(), l.subEndPfn64(), l.subMaxMapnr64()}) {
            o.add(b + f);
        }
        for (int i = 0; i < 6; i++) {
            o.add((int) s.noteOffset + 4 * i);
        }
        for (int i = 0; i < 8; i++) {
            o.add((int) s.bitmapOffset + i * 3);
            o.add((int) (s.bitmapOffset + (s.descriptorOffset - s.bitmapOffset) / 2) + i * 3);
        }
        for (long d = s.descriptorOffset; d < s.dataOffset; d += 24) {
            o.add((int) d);
            o.add((int) d + 8);
            o.add((int) d + 12);
        }
        o.removeIf(x -> x < 0 || x >= fileSize);
        return o;
    }

    static void mutate(byte[] f, SyntheticKdump s, Random r, int count) {
        List<Integer> fields = fieldOffsets(s, f.length);
        ByteBuffer b = ByteBuffer.wrap(f).order(s.order);
        long[] extremes = {0, 1, -1, 2, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, f.length,
                f.length - 1, f.length + 1, s.dataOffset, s.blockSize, 1L << 40};
        for (int i = 0; i < count; i++) {
            switch (r.nextInt(4)) {
                case 0 -> f[r.nextInt((int) Math.min(f.length, s.dataOffset + 64))] = (byte) r.nextInt();
                case 1 -> f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                default -> {
                    int at = fields.get(r.nextInt(fields.size()));
                    long v = r.nextInt(3) == 0 ? r.nextLong() : extremes[r.nextInt(extremes.length)];
                    if (r.nextBoolean() && at + 8 <= f.length) {
                        b.putLong(at, v);
                    } else if (at + 4 <= f.length) {
                        b.putInt(at, (int) v);
                    }
                }
            }
        }
    }

    @Property(tries = 6000)
    void mutatedKdumpIsReadOrRejected(@ForAll("layouts") HeaderLayout layout, @ForAll boolean bigEndian,
            @ForAll @IntRange(min = 0, max = 6) int version, @ForAll("compressions") Compression c, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        SyntheticKdump s = base(layout, bigEndian, version, c, seed);
        byte[] f = s.build();
        mutate(f, s, new Random(seed ^ 0x5eed), mutations);
        exercise(() -> KdumpVmcore.open(new ByteArraySource(f, "mutated")));
    }

    @Property(tries = 1500)
    void truncatedKdumpIsReadOrRejected(@ForAll("layouts") HeaderLayout layout, @ForAll boolean bigEndian,
            @ForAll @IntRange(min = 0, max = 6) int version, @ForAll("compressions") Compression c, @ForAll long seed)
            throws IOException {
        SyntheticKdump s = base(layout, bigEndian, version, c, seed);
        byte[] f = s.build();
        byte[] cut = Arrays.copyOf(f, new Random(seed).nextInt(f.length));
        exercise(() -> KdumpVmcore.open(new ByteArraySource(cut, "truncated")));
    }

    @Property(tries = 1000)
    void mutatedSplitSetIsReadOrRejected(@ForAll @IntRange(min = 2, max = 6) int version, @ForAll boolean bigEndian,
            @ForAll("layouts") HeaderLayout layout, @ForAll long seed) throws IOException {
        SyntheticKdump s = base(layout, bigEndian, version, Compression.LZO, seed);
        Random r = new Random(seed);
        long cut = 1 + r.nextInt((int) s.maxMapnr - 1);
        byte[] a = s.build(0, cut, true);
        byte[] b = s.build(cut, s.maxMapnr, true);
        byte[] victim = r.nextBoolean() ? a : b;
        if (r.nextInt(4) == 0) {
            // the split fields themselves: start, end, the split flag
            ByteBuffer v = ByteBuffer.wrap(victim).order(s.order);
            int at = s.blockSize + (r.nextBoolean() ? s.layout.subStartPfn64() : r.nextBoolean() ? s.layout.subEndPfn64()
                    : s.layout.subSplit());
            if (version >= 6 || at == s.blockSize + s.layout.subSplit()) {
                v.putInt(at, r.nextInt(3) == 0 ? r.nextInt() : (int) (cut + r.nextInt(5) - 2));
            }
        } else {
            mutate(victim, s, r, 1 + r.nextInt(3));
        }
        exercise(() -> {
            KdumpFile fa = KdumpFile.open(new ByteArraySource(a, "part-a"));
            KdumpFile fb;
            try {
                fb = KdumpFile.open(new ByteArraySource(b, "part-b"));
            } catch (IOException e) {
                fa.close();
                throw e;
            }
            return KdumpVmcore.ofParts(List.of(fb, fa), "mutated split set");
        });
    }

    interface Opener {
        KdumpVmcore open() throws IOException;
    }

    /** Opens and reads everything; only format and memory-access exceptions may come out. */
    static void exercise(Opener opener) throws IOException {
        KdumpVmcore v;
        try {
            v = opener.open();
        } catch (VmcoreFormatException e) {
            assertNotNull(e.resource());
            assertTrue(e.getMessage().contains("(file="), e.getMessage());
            OUTCOMES[0]++;
            return;
        }
        OUTCOMES[1]++;
        try (v) {
            v.notes();
            v.cpus();
            v.vmcoreInfo();
            v.statedMappings();
            PhysicalMemory mem = v.physicalMemory();
            mem.ranges();
            try {
                v.eraseInfo();
            } catch (VmcoreFormatException e) {
                assertNotNull(e.resource());
            }
            byte[] page = new byte[mem.pageSize()];
            long end = mem.endPfn();
            for (long pfn = -1; pfn <= end + 1; pfn = pfn < 300 || pfn >= end - 300 ? pfn + 1 : end - 300) {
                PageStatus st = mem.status(pfn);
                try {
                    mem.readPage(pfn, page, 0);
                    assertEquals(PageStatus.PRESENT, st, "PFN " + pfn + " read although " + st);
                    v.pageDescriptor(pfn);
                    OUTCOMES[2]++;
                } catch (MemoryAccessException e) {
                    MemoryAccessException.Reason expect = switch (st) {
                        case EXCLUDED -> MemoryAccessException.Reason.EXCLUDED;
                        case LOST -> MemoryAccessException.Reason.LOST;
                        case NOT_RAM -> MemoryAccessException.Reason.NOT_RAM;
                        case PRESENT -> null;
                    };
                    assertEquals(expect, e.reason(), "PFN " + pfn + " with status " + st);
                    OUTCOMES[4]++;
                } catch (VmcoreFormatException e) {
                    assertEquals(PageStatus.PRESENT, st, "a damaged page is one the bitmaps say is present");
                    OUTCOMES[3]++;
                    assertTrue(e.getMessage().contains("(file="), e.getMessage());
                }
            }
        }
    }

    // ---- flattened streams ----

    /** A flattened stream of {@code file}: random record sizes and order, overwritten decoys, skipped zero runs. */
    static byte[] flatten(byte[] file, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[FlattenedSource.HEADER_SIZE];
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
        h.put(0, FlattenedSource.SIGNATURE).putLong(16, 1).putLong(24, 1);
        out.writeBytes(header);
        List<long[]> chunks = new ArrayList<>();
        for (int pos = 0; pos < file.length;) {
            int n = Math.min(file.length - pos, 1 + r.nextInt(3000));
            boolean lastChunk = pos + n == file.length;
            boolean allZero = true;
            for (int i = pos; i < pos + n && allZero; i++) {
                allZero = file[i] == 0;
            }
            if (!(allZero && !lastChunk && r.nextBoolean())) { // a gap must read as zeros
                chunks.add(new long[] {pos, n});
            }
            pos += n;
        }
        Collections.shuffle(chunks, r);
        List<long[]> decoys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long at = r.nextInt(file.length);
            decoys.add(new long[] {at, 1 + r.nextInt((int) Math.min(500, file.length - at))});
        }
        for (long[] d : decoys) { // garbage first; the real bytes come later and must win
            record(out, d[0], randomBytes(r, (int) d[1]));
            chunks.add(new long[] {d[0], d[1]});
        }
        for (long[] c : chunks) {
            record(out, c[0], Arrays.copyOfRange(file, (int) c[0], (int) (c[0] + c[1])));
        }
        record(out, -1, null);
        return out.toByteArray();
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void record(ByteArrayOutputStream out, long offset, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        h.putLong(offset).putLong(payload == null ? -1 : payload.length);
        out.writeBytes(h.array());
        if (payload != null) {
            out.writeBytes(payload);
        }
    }

    @Property(tries = 800)
    void flattenedStreamsReadAndRearrangeToTheFile(@ForAll("compressions") Compression c, @ForAll long seed)
            throws IOException {
        SyntheticKdump s = base(HeaderLayout.LP64, false, 6, c, seed);
        byte[] file = s.build();
        byte[] flat = flatten(file, new Random(seed));
        try (FlattenedSource src = FlattenedSource.open(new ByteArraySource(flat, "flat"))) {
            assertEquals(file.length, src.size());
            byte[] all = new byte[file.length];
            src.read(0, all, 0, all.length);
            assertArrayEquals(file, all);
            Random r = new Random(seed + 1);
            for (int i = 0; i < 20; i++) {
                int at = r.nextInt(file.length);
                int n = r.nextInt(file.length - at + 1);
                byte[] part = new byte[n];
                src.read(at, part, 0, n);
                assertArrayEquals(Arrays.copyOfRange(file, at, at + n), part);
            }
        }
        try (Vmcore v = Vmcore.open(new ByteArraySource(flat, "flat"))) {
            SyntheticKdumpProperties.assertReadsBack(s, (KdumpVmcore) v);
        }
        try (FileChannel ch = FileChannel.open(scratch, StandardOpenOption.WRITE, StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FlattenedRearranger.Result res = FlattenedRearranger.rearrange(new ByteArrayInputStream(flat), "flat", ch);
            assertEquals(file.length, res.outputSize());
        }
        assertArrayEquals(file, Files.readAllBytes(scratch));
    }

    @Property(tries = 2500)
    void mutatedFlattenedStreamsAreReadOrRejected(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int mutations)
            throws IOException {
        SyntheticKdump s = base(HeaderLayout.LP64, false, 6, Compression.ZLIB, seed);
        Random r = new Random(seed);
        byte[] flat = flatten(s.build(), r);
        // record headers are where a flattened reader trusts the stream: hit them, or truncate
        List<Integer> headers = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(flat).order(ByteOrder.BIG_ENDIAN);
        for (int pos = FlattenedSource.HEADER_SIZE; pos + 16 <= flat.length;) {
            headers.add(pos);
            long size = b.getLong(pos + 8);
            if (size < 0) {
                break;
            }
            pos += 16 + (int) size;
        }
        byte[] bad = flat;
        for (int i = 0; i < mutations; i++) {
            switch (r.nextInt(4)) {
                case 0 -> bad = Arrays.copyOf(bad, r.nextInt(bad.length));
                case 1 -> bad[r.nextInt(Math.min(bad.length, 64))] ^= (byte) (1 << r.nextInt(8));
                default -> {
                    int at = headers.get(r.nextInt(headers.size())) + (r.nextBoolean() ? 0 : 8);
                    long[] v = {-1, 0, 1, -2, Long.MAX_VALUE, Long.MIN_VALUE, bad.length, 1L << 40, r.nextLong(),
                            r.nextInt(5000)};
                    if (at + 8 <= bad.length) {
                        ByteBuffer.wrap(bad).order(ByteOrder.BIG_ENDIAN).putLong(at, v[r.nextInt(v.length)]);
                    }
                }
            }
        }
        byte[] input = bad;
        exercise(() -> {
            RandomAccessSource src = FlattenedSource.open(new ByteArraySource(input, "mutated flat"));
            try {
                return KdumpVmcore.open(src);
            } catch (IOException | RuntimeException e) {
                src.close();
                throw e;
            }
        });
        try (FileChannel ch = FileChannel.open(scratch, StandardOpenOption.WRITE, StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FlattenedRearranger.rearrange(new ByteArrayInputStream(input), "mutated flat", ch);
        } catch (VmcoreFormatException e) {
            assertTrue(e.getMessage().contains("(file=mutated flat"), e.getMessage());
        } catch (IOException e) {
            // a legal offset the output file system cannot hold (ext4 stops at 16 TiB): the output's failure
            assertTrue(e.getMessage().startsWith("cannot write "), e.toString());
        }
    }
}
