package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Round trips through {@link SyntheticKdump}: every ABI (LP64, i386 "pack", ARM "pad"), both byte
 * orders, header versions 0 to 6, every codec, and split sets, read back page by page.
 */
class SyntheticKdumpProperties {

    @Provide
    Arbitrary<HeaderLayout> layouts() {
        return Arbitraries.of(HeaderLayout.values());
    }

    @Provide
    Arbitrary<Integer> blockSizes() {
        return Arbitraries.of(512, 1024, 4096);
    }

    @Provide
    Arbitrary<Compression> compressions() {
        return Arbitraries.of(Compression.values());
    }

    static SyntheticKdump synthetic(HeaderLayout layout, boolean bigEndian, int version, int blockSize, int mapnr,
            Compression c, long seed) {
        return new SyntheticKdump(layout, bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, version, blockSize,
                mapnr, c, seed);
    }

    @Property(tries = 1500)
    void readsBackEveryLayoutVersionAndCodec(@ForAll("layouts") HeaderLayout layout, @ForAll boolean bigEndian,
            @ForAll @IntRange(min = 0, max = 6) int version, @ForAll("blockSizes") int blockSize,
            @ForAll @IntRange(min = 1, max = 160) int mapnr, @ForAll("compressions") Compression c, @ForAll long seed)
            throws IOException {
        SyntheticKdump s = synthetic(layout, bigEndian, version, blockSize, mapnr, c, seed);
        byte[] file = s.build();
        try (KdumpVmcore v = KdumpVmcore.open(new ByteArraySource(file, "synthetic"))) {
            assertReadsBack(s, v);
        }
    }

    @Property(tries = 500)
    void readsSplitSetsInAnyOrder(@ForAll("layouts") HeaderLayout layout, @ForAll boolean bigEndian,
            @ForAll @IntRange(min = 2, max = 6) int version, @ForAll @IntRange(min = 1, max = 160) int mapnr,
            @ForAll @IntRange(min = 1, max = 4) int parts, @ForAll("compressions") Compression c, @ForAll long seed)
            throws IOException {
        SyntheticKdump s = synthetic(layout, bigEndian, version, 1024, mapnr, c, seed);
        List<KdumpFile> files = new ArrayList<>();
        Random r = new Random(seed);
        long start = 0;
        for (int i = 0; i < parts; i++) {
            long end = i == parts - 1 ? mapnr : start + r.nextInt((int) (mapnr - start) + 1);
            files.add(KdumpFile.open(new ByteArraySource(s.build(start, end, true), "part" + i)));
            start = end;
        }
        Collections.shuffle(files, r);
        try (KdumpVmcore v = KdumpVmcore.ofParts(files, "synthetic split set")) {
            assertEquals(parts, v.files().size());
            assertReadsBack(s, v);
        }
    }

    /** Statuses, bytes and header facts of {@code v} are what {@code s} built. */
    static void assertReadsBack(SyntheticKdump s, KdumpVmcore v) throws IOException {
        PhysicalMemory mem = v.physicalMemory();
        assertEquals(s.blockSize, mem.pageSize());
        assertEquals(s.maxMapnr, mem.endPfn());
        assertEquals(s.order, v.byteOrder());
        KdumpFile f = v.files().get(0);
        HeaderLayout expectLayout = s.layout == HeaderLayout.ILP32_PAD && s.version < 3 ? HeaderLayout.ILP32_PACK : s.layout;
        assertEquals(expectLayout, f.layout());
        assertEquals(s.version, v.header().headerVersion());
        if (s.version >= 1) {
            assertEquals(s.dumpLevel, v.dumpLevel());
            assertEquals(s.physBase, v.physBase());
        }
        assertEquals(s.version >= 3, v.vmcoreInfo().isPresent());
        if (s.version >= 3) {
            assertEquals(s.blockSize, v.vmcoreInfo().orElseThrow().pageSize().getAsLong());
        }
        assertEquals(s.version >= 4 ? s.cpus : 0, v.cpus().size());
        assertEquals(s.version >= 4 ? s.cpus + 1 : 0, v.notes().size());
        if (s.version >= 4 && s.machine.equals("x86_64")) {
            assertEquals(100, v.cpus().get(0).pid());
        }
        assertEquals(s.eraseinfo != null, v.eraseInfo().isPresent());
        if (s.eraseinfo != null) {
            assertArrayEquals(s.eraseinfo, v.eraseInfo().orElseThrow());
        }
        byte[] page = new byte[s.blockSize];
        long ramBytes = 0;
        for (int p = 0; p < s.maxMapnr; p++) {
            PageStatus expect = !s.ram[p] ? PageStatus.NOT_RAM : !s.dumpable[p] ? PageStatus.EXCLUDED : PageStatus.PRESENT;
            assertEquals(expect, mem.status(p), "PFN " + p);
            ramBytes += s.ram[p] ? s.blockSize : 0;
            int pfn = p;
            switch (expect) {
                case PRESENT -> {
                    mem.readPage(p, page, 0);
                    assertArrayEquals(s.pages[p], page, "PFN " + p);
                    assertTrue(v.pageDescriptor(p).isPresent());
                }
                case EXCLUDED -> assertEquals(MemoryAccessException.Reason.EXCLUDED,
                        assertThrows(MemoryAccessException.class, () -> mem.readPage(pfn, page, 0)).reason());
                default -> assertEquals(MemoryAccessException.Reason.NOT_RAM,
                        assertThrows(MemoryAccessException.class, () -> mem.readPage(pfn, page, 0)).reason());
            }
        }
        assertEquals(ramBytes, mem.totalBytes());
        assertEquals(PageStatus.NOT_RAM, mem.status(s.maxMapnr));
        assertEquals(PageStatus.NOT_RAM, mem.status(-1));
        // odd-sized reads across page boundaries agree with whole pages
        for (int p = 0; p + 1 < s.maxMapnr; p++) {
            if (s.dumpable[p] && s.dumpable[p + 1]) {
                byte[] got = new byte[s.blockSize + 1];
                mem.read((long) p * s.blockSize + s.blockSize - 1, got, 0, got.length);
                assertEquals(s.pages[p][s.blockSize - 1], got[0]);
                assertArrayEquals(java.util.Arrays.copyOf(s.pages[p + 1], s.blockSize), java.util.Arrays.copyOfRange(got, 1, 1 + s.blockSize));
                break;
            }
        }
    }

    @Property(tries = 300)
    void opensThroughTheFormatProviders(@ForAll @IntRange(min = 1, max = 64) int mapnr, @ForAll long seed) throws IOException {
        SyntheticKdump s = synthetic(HeaderLayout.LP64, false, 6, 1024, mapnr, Compression.ZSTD, seed);
        try (Vmcore v = Vmcore.open(new ByteArraySource(s.build(), "synthetic"))) {
            assertEquals("kdump", v.formatName());
            assertReadsBack(s, (KdumpVmcore) v);
        }
    }
}
