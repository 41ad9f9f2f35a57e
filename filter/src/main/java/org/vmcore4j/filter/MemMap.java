package org.vmcore4j.filter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.arch.ArchitectureSupport;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreInfo;

/**
 * Where the crashed kernel keeps its {@code struct page} array, found from VMCOREINFO alone as
 * makedumpfile 1.7.9's get_mem_map does: SPARSEMEM (with or without EXTREME, VMEMMAP or not) or
 * FLATMEM. The result is the list of PFN ranges that have a mem_map, in PFN order, each with the
 * kernel virtual address of its first struct page, plus {@code max_mapnr} reduced to the end of the
 * last such range (makedumpfile's adjustment for kernels booted with "mem=").
 */
final class MemMap {
    /** Low bits of section_mem_map that are flags; makedumpfile masks a fixed 5 (SECTION_MAP_LAST_BIT = 1 << 5). */
    private static final long SECTION_MAP_MASK = ~((1L << 5) - 1);
    private static final long SECTION_MARKED_PRESENT = 1;
    /** More sections than any kernel has (2^32); keeps a hostile SECTION_SIZE_BITS/MAX_PHYSMEM_BITS pair bounded. */
    private static final int MAX_SECTION_SHIFT = 32;
    /**
     * 2^22 present sections is 512 TiB with x86_64's 128 MiB sections, beyond any machine built; a
     * table claiming more is damaged or hostile, and the cap bounds the memory the list takes.
     */
    static final int MAX_PRESENT_SECTIONS = 1 << 22;

    final String model;
    final long[] pfnStart;
    final long[] pfnEnd;
    final long[] memMap;
    final int count;
    /** max_mapnr after the reduction to the last range with a mem_map. */
    final long maxMapnr;
    /** Lowest kernel virtual address (makedumpfile's KVBASE), for pointer plausibility checks. */
    final long kvBase;

    private MemMap(String model, long[] pfnStart, long[] pfnEnd, long[] memMap, int count, long maxMapnr,
            long kvBase) {
        this.model = model;
        this.pfnStart = pfnStart;
        this.pfnEnd = pfnEnd;
        this.memMap = memMap;
        this.count = count;
        this.maxMapnr = maxMapnr;
        this.kvBase = kvBase;
    }

    /**
     * Discovers the mem_map.
     *
     * @param maxMapnr one past the highest PFN the dump's segments cover
     * @throws UnsupportedKernelException if the memory model cannot be determined or no mem_map is found
     */
    static MemMap discover(VmcoreInfo info, PageLayout layout, Architecture arch, KernelAddressSpace kas,
            List<VirtualMapping> mappings, long maxMapnr, DumpLevel level) throws IOException {
        VmcoreInfoKeys k = new VmcoreInfoKeys(info);
        MissingKeys p = new MissingKeys();
        String res = info.resource();

        // get_mem_type: DISCONTIGMEM is tested first. Linux removed it in 5.14 and modern SPARSEMEM
        // kernels do not export pglist_data.node_mem_map, so they never match.
        boolean nodes = (k.symbol("node_data", p) != 0 && k.length("node_data", p) != VmcoreInfoKeys.NOT_FOUND)
                || (k.symbol("pgdat_list", p) != 0 && k.offset("pglist_data.pgdat_next", p) != VmcoreInfoKeys.NOT_FOUND)
                || (k.symbol("pgdat_list", p) != 0 && k.length("pgdat_list", p) != VmcoreInfoKeys.NOT_FOUND);
        if (nodes && k.size("pglist_data", p) != VmcoreInfoKeys.NOT_FOUND
                && k.offset("pglist_data.node_mem_map", p) != VmcoreInfoKeys.NOT_FOUND
                && k.offset("pglist_data.node_start_pfn", p) != VmcoreInfoKeys.NOT_FOUND
                && k.offset("pglist_data.node_spanned_pages", p) != VmcoreInfoKeys.NOT_FOUND) {
            throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                    + ": the kernel uses the DISCONTIGMEM memory model (VMCOREINFO exports "
                    + "OFFSET(pglist_data.node_mem_map)), which the filter does not support",
                    List.of("OFFSET(pglist_data.node_mem_map)"), 0);
        }
        long memSection = k.symbol("mem_section", p);
        long sizeMemSection = k.size("mem_section", p);
        long offSectionMemMap = k.offset("mem_section.section_mem_map", p);
        if (!p.isEmpty()) {
            throw p.toException(res, "finding the struct page array", level, 0);
        }
        if (memSection != 0 && sizeMemSection != VmcoreInfoKeys.NOT_FOUND
                && offSectionMemMap != VmcoreInfoKeys.NOT_FOUND) {
            return sparse(k, layout, arch, kas, mappings, maxMapnr, level, memSection, sizeMemSection,
                    offSectionMemMap);
        }
        long memMapSym = k.symbol("mem_map", p);
        if (memMapSym != 0) {
            long l5 = k.number("pgtable_l5_enabled", p);
            return flat(res, kas, memMapSym, maxMapnr, level,
                    kvBase(info, arch, layout, mappings, l5 != VmcoreInfoKeys.NOT_FOUND && l5 != 0));
        }
        if (!p.isEmpty()) {
            throw p.toException(res, "finding the struct page array", level, 0);
        }
        p.missing("SYMBOL(mem_section)");
        p.missing("SIZE(mem_section)");
        p.missing("OFFSET(mem_section.section_mem_map)");
        p.missing("SYMBOL(mem_map)");
        throw p.toException(res, "finding the struct page array (neither SPARSEMEM nor FLATMEM is described)",
                level, 0);
    }

    private static MemMap flat(String res, KernelAddressSpace kas, long memMapSym, long maxMapnr, DumpLevel level,
            long kvBase) throws IOException {
        long memMap;
        try {
            memMap = kas.readPointer(memMapSym);
        } catch (MemoryAccessException e) {
            throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                    + ": the FLATMEM mem_map pointer at SYMBOL(mem_map)=0x" + Long.toHexString(memMapSym)
                    + " cannot be read: " + e.getMessage(), List.of("SYMBOL(mem_map)"), 0);
        }
        if (memMap == 0) {
            throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                    + ": the FLATMEM mem_map pointer at SYMBOL(mem_map) is NULL", List.of("SYMBOL(mem_map)"), 0);
        }
        return new MemMap("FLATMEM", new long[] {0}, new long[] {maxMapnr}, new long[] {memMap}, 1, maxMapnr,
                kvBase);
    }

    private static MemMap sparse(VmcoreInfoKeys k, PageLayout layout, Architecture arch, KernelAddressSpace kas,
            List<VirtualMapping> mappings, long maxMapnr, DumpLevel level, long memSection, long sizeMemSection,
            long offSectionMemMap) throws IOException {
        MissingKeys p = new MissingKeys();
        String res = k.info().resource();
        int pageSize = layout.pageSize;
        if (sizeMemSection < 8 || sizeMemSection > pageSize) {
            p.unusable("SIZE(mem_section)", "is " + sizeMemSection + ", outside 8.." + pageSize);
        } else if (offSectionMemMap < 0 || offSectionMemMap > sizeMemSection - 8) {
            p.unusable("OFFSET(mem_section.section_mem_map)", "is " + offSectionMemMap
                    + ", outside SIZE(mem_section)=" + sizeMemSection);
        }
        long sectionSizeBits;
        long maxPhysmemBits;
        long l5 = k.number("pgtable_l5_enabled", p);
        boolean fiveLevel = l5 != VmcoreInfoKeys.NOT_FOUND && l5 != 0;
        long nSsb = k.number("SECTION_SIZE_BITS", p);
        long nMpb = k.number("MAX_PHYSMEM_BITS", p);
        // the architecture's built-in defaults (makedumpfile's get_machdep_info / get_versiondep_info),
        // overridden below by what VMCOREINFO exports (calibrate_machdep_info)
        ArchitectureSupport support = arch.support();
        sectionSizeBits = support.defaultSectionSizeBits(layout.kernelVersion);
        maxPhysmemBits = support.defaultMaxPhysmemBits(layout.kernelVersion, fiveLevel);
        if (sectionSizeBits == ArchitectureSupport.UNKNOWN && nSsb <= 0) {
            p.missing("NUMBER(SECTION_SIZE_BITS)");
        }
        if (maxPhysmemBits == ArchitectureSupport.UNKNOWN && nMpb <= 0) {
            p.missing("NUMBER(MAX_PHYSMEM_BITS)");
        } else if (nMpb != VmcoreInfoKeys.NOT_FOUND) {
            maxPhysmemBits = nMpb; // even a value the checks below refuse
        }
        if (nMpb > 0) {
            maxPhysmemBits = nMpb;
        }
        if (nSsb > 0) {
            sectionSizeBits = nSsb;
        }
        if (p.isEmpty()) {
            if (sectionSizeBits <= layout.pageShift || sectionSizeBits >= 63) {
                p.unusable("NUMBER(SECTION_SIZE_BITS)", "is " + sectionSizeBits + ", not between the page shift "
                        + layout.pageShift + " and 63");
            } else if (maxPhysmemBits < sectionSizeBits || maxPhysmemBits > 64
                    || maxPhysmemBits - sectionSizeBits > MAX_SECTION_SHIFT) {
                p.unusable("NUMBER(MAX_PHYSMEM_BITS)", "is " + maxPhysmemBits + " with SECTION_SIZE_BITS "
                        + sectionSizeBits + " (at most 2^" + MAX_SECTION_SHIFT + " sections are accepted)");
            }
        }
        long lengthMemSection = k.length("mem_section", p);
        if (!p.isEmpty()) {
            throw p.toException(res, "walking the SPARSEMEM section table", level, 0);
        }
        int sectionShift = (int) (sectionSizeBits - layout.pageShift);
        long pagesPerSection = 1L << sectionShift;
        long nrMemSections = 1L << (maxPhysmemBits - sectionSizeBits);
        long perRootExtreme = pageSize / sizeMemSection;
        boolean extreme = lengthMemSection == VmcoreInfoKeys.NOT_FOUND
                || lengthMemSection == ceilDiv(nrMemSections, perRootExtreme);
        long perRoot = extreme ? perRootExtreme : 1;
        // num_section in get_mm_sparsemem; sections beyond NR_MEM_SECTIONS cannot exist in the kernel.
        long numSection = Math.min(ceilDiv(maxMapnr, pagesPerSection), nrMemSections);
        long kvBase = kvBase(k.info(), arch, layout, mappings, fiveLevel);

        SectionReader reader = new SectionReader(res, kas, (int) sizeMemSection, (int) offSectionMemMap, perRoot,
                extreme, kvBase, layout.sizePage, sectionShift);
        // get_mem_section: the symbol is the root array; if nothing validates and the table is EXTREME,
        // it may be a pointer to the root array (4.15+ kernels seen through -x vmlinux).
        Found maps = reader.validate(memSection, numSection);
        if (maps == null && extreme) {
            long ptr;
            try {
                ptr = kas.readPointer(memSection);
            } catch (MemoryAccessException e) {
                ptr = 0;
            }
            if (ptr != 0) {
                maps = reader.validate(ptr, numSection);
            }
        }
        if (maps == null) {
            throw new UnsupportedKernelException(res, "cannot classify pages for dump level " + level.value()
                    + ": no SPARSEMEM section with a valid mem_map was found from SYMBOL(mem_section)=0x"
                    + Long.toHexString(memSection) + " (" + numSection + " sections of " + pagesPerSection
                    + " pages; the table or the kernel's address translation is unusable)",
                    List.of("SYMBOL(mem_section)"), 0);
        }
        long[] starts = new long[maps.count];
        long[] ends = new long[maps.count];
        long[] mms = Arrays.copyOf(maps.memMap, maps.count);
        long reduced = 0;
        for (int j = 0; j < maps.count; j++) {
            starts[j] = maps.nr[j] << sectionShift;
            ends[j] = Math.min(starts[j] + pagesPerSection, maxMapnr);
            reduced = Math.max(reduced, ends[j]);
        }
        String model = extreme ? "SPARSEMEM_EXTREME" : "SPARSEMEM";
        return new MemMap(model, starts, ends, mms, maps.count, Math.min(maxMapnr, reduced), kvBase);
    }

    /** makedumpfile's is_kvaddr: an address at or above the direct map's base is a kernel address. */
    static long kvBase(VmcoreInfo info, Architecture arch, PageLayout layout, List<VirtualMapping> mappings,
            boolean fiveLevel) {
        return arch.support().directMapBase(info, layout.kernelVersion, mappings, fiveLevel);
    }

    static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    /** Reads the section table; one instance per discovery. */
    private static final class SectionReader {
        /** Root pointers read per request (one page of them on 4 KiB kernels). */
        private static final int ROOT_CHUNK = 512;

        private final String resource;
        private final KernelAddressSpace kas;
        private final int sizeMemSection;
        private final int offMap;
        private final long perRoot;
        private final boolean extreme;
        private final long kvBase;
        private final int sizePage;
        private final int sectionShift;
        private final ByteOrder order;
        private final byte[] rootBuf = new byte[8 * ROOT_CHUNK];
        private final byte[] sectionBuf;
        private byte[] rootBlock = new byte[0];

        SectionReader(String resource, KernelAddressSpace kas, int sizeMemSection, int offMap, long perRoot, boolean extreme,
                long kvBase, int sizePage, int sectionShift) {
            this.resource = resource;
            this.kas = kas;
            this.sizeMemSection = sizeMemSection;
            this.offMap = offMap;
            this.perRoot = perRoot;
            this.extreme = extreme;
            this.kvBase = kvBase;
            this.sizePage = sizePage;
            this.sectionShift = sectionShift;
            this.order = kas.byteOrder();
            this.sectionBuf = new byte[sizeMemSection];
        }

        private boolean isKvaddr(long addr) {
            return Long.compareUnsigned(addr, kvBase) >= 0;
        }

        /**
         * validate_mem_section: the present sections and their decoded mem_maps, or null when none is
         * present or a present section's mem_map is not a kernel address.
         */
        Found validate(long table, long numSection) throws IOException {
            Found found = new Found(resource);
            if (extreme) {
                long nRoots = ceilDiv(numSection, perRoot);
                for (long r0 = 0; r0 < nRoots; r0 += ROOT_CHUNK) {
                    int n = (int) Math.min(ROOT_CHUNK, nRoots - r0);
                    try {
                        kas.read(table + 8 * r0, rootBuf, 0, 8 * n);
                    } catch (MemoryAccessException e) {
                        return null; // makedumpfile reads the root array at once and gives up if it cannot
                    }
                    ByteBuffer roots = ByteBuffer.wrap(rootBuf).order(order);
                    for (int i = 0; i < n; i++) {
                        long root = roots.getLong(8 * i);
                        if (root == 0) {
                            continue;
                        }
                        long first = (r0 + i) * perRoot;
                        int n2 = (int) (Math.min(first + perRoot, numSection) - first);
                        if (!rootPage(found, first, n2, root)) {
                            return null;
                        }
                    }
                }
            } else {
                for (long nr = 0; nr < numSection; nr++) {
                    if (!section(found, nr, table + nr * sizeMemSection)) {
                        return null;
                    }
                }
            }
            return found.count == 0 ? null : found;
        }

        /**
         * The {@code n} sections of one root block, read in one request where the block is readable
         * (the common case); otherwise section by section so that one bad section does not hide others.
         */
        private boolean rootPage(Found found, long first, int n, long root) throws IOException {
            if (!isKvaddr(root)) {
                return true; // every section in it fails is_kvaddr and counts as absent
            }
            int len = n * sizeMemSection;
            if (rootBlock.length < len) {
                rootBlock = new byte[len];
            }
            try {
                kas.read(root, rootBlock, 0, len);
            } catch (MemoryAccessException e) {
                for (int i = 0; i < n; i++) {
                    if (!section(found, first + i, root + (long) i * sizeMemSection)) {
                        return false;
                    }
                }
                return true;
            }
            ByteBuffer b = ByteBuffer.wrap(rootBlock).order(order);
            for (int i = 0; i < n; i++) {
                if (!decoded(found, first + i, b.getLong(i * sizeMemSection + offMap))) {
                    return false;
                }
            }
            return true;
        }

        /** Records section {@code nr} at {@code addr} if present; false if its mem_map is not a kernel address. */
        private boolean section(Found found, long nr, long addr) throws IOException {
            if (!isKvaddr(addr)) {
                return true; // section_mem_map_addr treats it as absent
            }
            long raw;
            try {
                kas.read(addr, sectionBuf, 0, sizeMemSection);
                raw = ByteBuffer.wrap(sectionBuf).order(order).getLong(offMap);
            } catch (MemoryAccessException e) {
                return true; // an unreadable section counts as absent, as there
            }
            return decoded(found, nr, raw);
        }

        private boolean decoded(Found found, long nr, long raw) throws UnsupportedKernelException {
            if ((raw & SECTION_MARKED_PRESENT) == 0) {
                return true;
            }
            // The kernel stores mem_map minus the section's first PFN times sizeof(struct page).
            long memMap = (raw & SECTION_MAP_MASK) + (nr << sectionShift) * sizePage;
            if (!isKvaddr(memMap) || memMap == 0) {
                return false;
            }
            found.add(nr, memMap);
            return true;
        }
    }

    /** Present sections in ascending order. */
    private static final class Found {
        final String resource;
        long[] nr = new long[64];
        long[] memMap = new long[64];
        int count;

        Found(String resource) {
            this.resource = resource;
        }

        void add(long section, long map) throws UnsupportedKernelException {
            if (count == MAX_PRESENT_SECTIONS) {
                throw new UnsupportedKernelException(resource, "the section table claims more than "
                        + MAX_PRESENT_SECTIONS + " present memory sections, more than any machine has",
                        List.of("SYMBOL(mem_section)"), 0);
            }
            if (count == nr.length) {
                nr = Arrays.copyOf(nr, count * 2);
                memMap = Arrays.copyOf(memMap, count * 2);
            }
            nr[count] = section;
            memMap[count] = map;
            count++;
        }
    }
}
