package org.vmcore4j.core.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * aarch64 translation on synthetic tables for every granule and address size Linux builds
 * (4 KiB: 39/48/52 bits, 16 KiB: 47/48/52, 64 KiB: 42/48/52), written in the descriptor layout
 * the architecture defines for each (48-bit with shareability bits set, LPA2, LPA), with pages
 * placed above 2^50 physical where the layout can address them. The real dumps (52-bit LPA2 and
 * 48-bit 4 KiB) are the corpus tests'; this covers the granules no corpus kernel uses.
 */
class Aarch64AddressSpaceTest {
    private static final long PHYS_OFFSET = 0x4000_0000L;
    private static final long KIMAGE_VOFFSET_DELTA = 0x10_0000_0000L;

    /** Physical memory holding only the pages written, anywhere in 52 bits. */
    static final class SparseMemory implements PhysicalMemory {
        final Map<Long, byte[]> pages = new HashMap<>();

        byte[] page(long paddr) {
            return pages.computeIfAbsent(paddr >>> 12, k -> new byte[4096]);
        }

        void putLong(long paddr, long v) {
            byte[] p = page(paddr);
            for (int i = 0; i < 8; i++) {
                p[(int) (paddr & 4095) + i] = (byte) (v >>> (8 * i));
            }
        }

        @Override
        public int pageSize() {
            return 4096;
        }

        @Override
        public List<PhysicalRange> ranges() {
            return List.of(new PhysicalRange(PHYS_OFFSET, PHYS_OFFSET + (64 << 20)));
        }

        @Override
        public long endPfn() {
            return 1L << 40;
        }

        @Override
        public PageStatus status(long pfn) {
            return pages.containsKey(pfn) ? PageStatus.PRESENT : PageStatus.NOT_RAM;
        }

        @Override
        public void read(long paddr, byte[] dst, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                byte[] p = pages.get((paddr + i) >>> 12);
                if (p == null) {
                    throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, paddr + i, "not RAM");
                }
                dst[off + i] = p[(int) ((paddr + i) & 4095)];
            }
        }
    }

    /** Builds TTBR1 tables the way the hardware reads them, with a bump allocator for tables. */
    static final class Tables {
        final SparseMemory mem = new SparseMemory();
        final Aarch64PageTables format;
        final int pageShift;
        final long root;
        long next;

        Tables(int pageShift, int vaBits) {
            this.pageShift = pageShift;
            this.format = new Aarch64PageTables(pageShift, vaBits, Aarch64PageTables.linuxEncoding(pageShift, vaBits));
            this.next = PHYS_OFFSET + (1L << pageShift);
            this.root = alloc();
        }

        long alloc() {
            long t = next;
            next += 1L << pageShift;
            return t;
        }

        long encode(long pa, long type) {
            long attrs = type | (1L << 10); // AF
            return switch (format.encoding()) {
                case BITS_48 -> pa | attrs | (3L << 8); // inner shareable: bits [9:8] are not address bits here
                case LPA2 -> (pa & 0x0003_ffff_ffff_f000L) | ((pa >>> 50) & 3) << 8 | attrs;
                case LPA -> (pa & 0x0000_ffff_ffff_0000L) | ((pa >>> 48) & 0xf) << 12 | attrs;
            };
        }

        /** Maps {@code va} to {@code pa} with a leaf at {@code leafLevel} (the last level: a page). */
        void map(long va, long pa, int leafLevel) {
            long table = root;
            for (int level = 0; level < leafLevel; level++) {
                long slot = table + ((va >>> format.shift(level)) & ((1L << format.indexBits(level)) - 1)) * 8;
                long entry = readLong(slot);
                if ((entry & 1) == 0) {
                    long t = alloc();
                    mem.putLong(slot, encode(t, 3));
                    table = t;
                } else {
                    table = format.nextTable(entry);
                }
            }
            long slot = table + ((va >>> format.shift(leafLevel)) & ((1L << format.indexBits(leafLevel)) - 1)) * 8;
            mem.putLong(slot, encode(pa, leafLevel == format.levels() - 1 ? 3 : 1));
        }

        long readLong(long paddr) {
            byte[] b = new byte[8];
            try {
                mem.read(paddr, b, 0, 8);
            } catch (IOException e) {
                return 0;
            }
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
    }

    @ParameterizedTest(name = "{0}-byte granule, {1}-bit VA: {2} levels")
    @CsvSource({"4096,39,3", "4096,48,4", "4096,52,5", "16384,47,3", "16384,48,4", "16384,52,4",
            "65536,42,2", "65536,48,3", "65536,52,3"})
    void everyGranuleAndAddressSizeTranslatesPagesBlocksAndTheLinearMap(int pageSize, int vaBits, int levels)
            throws Exception {
        int shift = Integer.numberOfTrailingZeros(pageSize);
        Tables t = new Tables(shift, vaBits);
        assertEquals(levels, t.format.levels());
        long pageOffset = -(1L << vaBits);
        long kimage = -(1L << (vaBits - 1)) + 0x8000_0000L;   // the image lies in the upper half (vmalloc)
        long kimageVoffset = kimage - (PHYS_OFFSET + KIMAGE_VOFFSET_DELTA);
        long swapper = t.root + kimageVoffset;
        // a page of the image, a page mapped far above 2^48 (or 2^50) where the layout can say so
        boolean wide = t.format.encoding() != Aarch64PageTables.Encoding.BITS_48;
        long high = wide ? (0xdL << 48) + (5L << shift) : (0x7L << 44) + (5L << shift);
        long vPage = kimage + (3L << shift) + 0x123;
        t.map(vPage & -(1L << shift), high, levels - 1);
        write(t.mem, high + 0x123, "far page");
        // a block one level up (2 MiB at 4 KiB, 32 MiB at 16 KiB, 512 MiB at 64 KiB)
        long blockSize = 1L << t.format.shift(levels - 2);
        long blockPa = PHYS_OFFSET + 4 * blockSize;
        long vBlock = kimage + 8 * blockSize;
        t.map(vBlock, blockPa, levels - 2);
        write(t.mem, blockPa + blockSize - 16, "end of block");
        // the linear map: mem_section's page, mapped the way the kernel maps all RAM
        long linearDelta = pageOffset - PHYS_OFFSET;
        long sectionPa = PHYS_OFFSET + (40L << shift);
        t.map(sectionPa + linearDelta, sectionPa, levels - 1);
        write(t.mem, sectionPa + 8, "mem_section");

        List<String> info = new ArrayList<>(List.of("OSRELEASE=6.12.0", "PAGESIZE=" + pageSize,
                "SYMBOL(swapper_pg_dir)=" + Long.toHexString(swapper),
                "SYMBOL(mem_section)=" + Long.toHexString(sectionPa + linearDelta),
                "NUMBER(VA_BITS)=" + vaBits, "NUMBER(TCR_EL1_T1SZ)=" + (64 - vaBits),
                "NUMBER(kimage_voffset)=0x" + Long.toHexString(kimageVoffset),
                "NUMBER(PHYS_OFFSET)=0x" + Long.toHexString(PHYS_OFFSET)));
        Aarch64AddressSpace kas = Aarch64AddressSpace.create(t.mem, VmcoreInfo.parse(String.join("\n", info), "t"),
                List.of());
        assertEquals(levels, kas.pagingLevels());
        assertEquals(t.root, kas.rootTable());
        assertEquals(high + 0x123, kas.toPhysical(vPage));
        assertEquals("far page", read(kas, vPage, 8));
        assertEquals(blockPa + blockSize - 16, kas.toPhysical(vBlock + blockSize - 16));
        assertEquals("end of block", read(kas, vBlock + blockSize - 16, 12));
        assertEquals(blockSize, kas.walkPageTables(vBlock + 5).size());
        assertEquals(Aarch64AddressSpace.LinearOffsetSource.PHYS_OFFSET, kas.linearOffsetSource());
        assertEquals("mem_section", read(kas, sectionPa + linearDelta + 8, 11));
        assertEquals(pageOffset, kas.pageOffset());

        // a hole, and an address outside the kernel's range
        MemoryAccessException hole = assertThrows(MemoryAccessException.class, () -> kas.toPhysical(kimage + (1L << 40)));
        assertEquals(MemoryAccessException.Reason.NOT_MAPPED, hole.reason());
        UnmappedAddressException user = assertThrows(UnmappedAddressException.class, () -> kas.toPhysical(0x400000L));
        assertEquals(UnmappedAddressException.NON_CANONICAL, user.level());
    }

    @ParameterizedTest(name = "T1SZ {0} on a kernel built for 52 bits")
    @CsvSource({"12,52,5,LPA2", "16,48,4,BITS_48"})
    void theAddressSizeInUseDecidesLevelsAndDescriptorLayout(int t1sz, int vaBits, int levels, String encoding) {
        Aarch64PageTables f = new Aarch64PageTables(12, 64 - t1sz, Aarch64PageTables.linuxEncoding(12, 64 - t1sz));
        assertEquals(levels, f.levels());
        assertEquals(encoding, f.encoding().name());
        assertEquals(vaBits, f.vaBits());
        // the first level indexes what is left: 4 bits (16 entries) at 52, 9 at 48
        assertEquals(vaBits == 52 ? 4 : 9, f.indexBits(0));
        // shareability bits [9:8] are address bits 51:50 only with LPA2
        long entry = 0x4000_0000L | (3L << 8) | 3;
        assertEquals(vaBits == 52 ? 0x000c_0000_4000_0000L : 0x4000_0000L, f.nextTable(entry));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "PAGESIZE=8192|is not an aarch64 granule",
            "NUMBER(TCR_EL1_T1SZ)=4|60-bit kernel addresses",
            "NUMBER(kimage_voffset)=zz|invalid value for NUMBER(kimage_voffset)"})
    void unusableVmcoreinfoIsAFormatErrorNamingTheKey(String bad, String message) {
        Map<String, String> keys = new HashMap<>(Map.of("OSRELEASE", "6.12.0", "PAGESIZE", "4096",
                "SYMBOL(swapper_pg_dir)", "ffff800081234000", "NUMBER(VA_BITS)", "52", "NUMBER(TCR_EL1_T1SZ)", "12",
                "NUMBER(kimage_voffset)", "0xffff7fff00000000"));
        String[] kv = bad.split("=", 2);
        keys.put(kv[0], kv[1]);
        StringBuilder text = new StringBuilder();
        keys.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> Aarch64AddressSpace.create(
                new SparseMemory(), VmcoreInfo.parse(text.toString(), "t"), List.of()));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static void write(SparseMemory mem, long pa, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < b.length; i++) {
            mem.page(pa + i)[(int) ((pa + i) & 4095)] = b[i];
        }
    }

    private static String read(Aarch64AddressSpace kas, long va, int n) throws IOException {
        byte[] b = new byte[n];
        kas.read(va, b, 0, n);
        assertArrayEquals(b, readByPages(kas, va, n));
        return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] readByPages(Aarch64AddressSpace kas, long va, int n) throws IOException {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            kas.physicalMemory().read(kas.toPhysical(va + i), b, i, 1);
        }
        return b;
    }
}
