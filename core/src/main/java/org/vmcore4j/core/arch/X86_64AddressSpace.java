package org.vmcore4j.core.arch;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * The kernel virtual address space of a crashed x86_64 Linux kernel, built from VMCOREINFO alone
 * plus the mappings the dump's headers state (ELF PT_LOAD {@code p_vaddr}/{@code p_paddr}).
 *
 * <p>Addresses in the kernel image window ({@code __START_KERNEL_map} onwards) are translated
 * arithmetically with {@link #physBase()}; every other address by walking the kernel's own page
 * tables from {@code SYMBOL(init_top_pgt)} (older kernels: {@code init_level4_pgt}), 4- or 5-level
 * as {@code NUMBER(pgtable_l5_enabled)} says, with 1 GiB and 2 MiB pages and the AMD SME
 * encryption bit ({@code NUMBER(sme_mask)}) stripped from every entry. Walk results are cached per
 * page, lock-free, so instances are cheap to share between threads and fast for millions of reads.
 *
 * <p>The layout values it derives ({@link #pageOffset()}, {@link #physBase()}) say where they came
 * from, since a value taken from a constant is only a guess on kernels that randomize their
 * memory layout. Translation failures throw {@link UnmappedAddressException}
 * ({@link MemoryAccessException.Reason#NOT_MAPPED}).
 */
public final class X86_64AddressSpace implements KernelAddressSpace {
    /** {@code __START_KERNEL_map}: virtual base of the kernel image mapping, the same for 4- and 5-level paging. */
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;

    /**
     * The part of the image window translated arithmetically when VMCOREINFO does not state
     * {@code NUMBER(KERNEL_IMAGE_SIZE)}: 512 MiB, the smallest image size any x86_64 kernel used.
     * Kernels without that number and without KASLR put their modules right after 512 MiB, so a
     * larger guess would translate module addresses wrongly; the page tables cover the rest.
     */
    public static final long MIN_KERNEL_IMAGE_SIZE = 512L << 20;

    private static final int PAGE_SHIFT = 12;
    private static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Bits 12..51 of an entry: the physical frame (x86_64 architectural maximum of 52 physical bits). */
    private static final long ENTRY_ADDRESS_MASK = 0x000ffffffffff000L;
    private static final long PRESENT = 0x1;
    private static final long PAGE_SIZE_BIT = 0x80;

    /** Where {@link #physBase()} came from. */
    public enum PhysBaseSource {
        /** {@code NUMBER(phys_base)}. */
        VMCOREINFO,
        /** The stated mapping of kernel text ({@code p_vaddr >= __START_KERNEL_map}). */
        KERNEL_TEXT_MAPPING,
        /** Neither: 0, the value of kernels that are not relocated. */
        DEFAULT
    }

    /** Where {@link #pageOffset()} (the direct-map base) came from. */
    public enum PageOffsetSource {
        /** {@code p_vaddr - p_paddr} of the last stated mapping below the kernel image (as makedumpfile derives it). */
        STATED_MAPPING,
        /** {@code SYMBOL(mem_section)}, a direct-map address, translated through the page tables. */
        DIRECT_MAP_SYMBOL,
        /** The kernel's default for its version and paging depth: wrong if it randomized its memory layout. */
        CONSTANT
    }

    private final PhysicalMemory memory;
    private final CachedTranslation translation;
    private final long rootTable;
    private final int levels;
    private final long smeMask;
    private final long physBase;
    private final PhysBaseSource physBaseSource;
    private final OptionalLong kernelOffset;
    private final OptionalLong statedKernelImageSize;
    private final long imageWindow;
    private final OptionalLong vmemmapBase;
    private final OptionalLong vmallocStart;
    private final long pageOffset;
    private final PageOffsetSource pageOffsetSource;

    private X86_64AddressSpace(PhysicalMemory memory, int levels, long smeMask, long rootSymbol, long physBase,
            PhysBaseSource physBaseSource, OptionalLong kernelOffset, OptionalLong imageSize,
            OptionalLong vmemmapBase, OptionalLong vmallocStart, long pageOffset, PageOffsetSource pageOffsetSource) {
        this.memory = memory;
        this.levels = levels;
        this.smeMask = smeMask;
        this.physBase = physBase;
        this.physBaseSource = physBaseSource;
        this.kernelOffset = kernelOffset;
        this.statedKernelImageSize = imageSize;
        this.imageWindow = imageSize.orElse(MIN_KERNEL_IMAGE_SIZE);
        this.rootTable = rootSymbol - START_KERNEL_MAP + physBase;
        this.translation = new CachedTranslation(memory,
                new PageTableWalker(memory, new X86_64PageTables(levels, smeMask), ByteOrder.LITTLE_ENDIAN),
                new TranslationCache(PAGE_SHIFT, 21), rootTable, new ImageWindow());
        this.vmemmapBase = vmemmapBase;
        this.vmallocStart = vmallocStart;
        this.pageOffset = pageOffset;
        this.pageOffsetSource = pageOffsetSource;
    }

    /** The same space with its direct-map base settled (every field final, so safely shared between threads). */
    private X86_64AddressSpace withPageOffset(long offset, PageOffsetSource source) {
        return new X86_64AddressSpace(memory, levels, smeMask, rootTable + START_KERNEL_MAP - physBase, physBase,
                physBaseSource, kernelOffset, statedKernelImageSize, vmemmapBase, vmallocStart, offset, source);
    }

    /**
     * {@return the address space of the dump}
     *
     * @param memory   the dump's physical memory
     * @param info     the dump's VMCOREINFO
     * @param mappings the virtual-to-physical mappings the dump's headers state, in header order (may be empty)
     * @throws VmcoreFormatException naming the VMCOREINFO keys that are missing or invalid
     */
    public static X86_64AddressSpace create(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(mappings, "mappings");
        OptionalLong root = info.symbol("init_top_pgt");
        if (root.isEmpty()) {
            root = info.symbol("init_level4_pgt");
        }
        if (root.isEmpty()) {
            throw new VmcoreFormatException(info.resource(), info.fileOffset(),
                    "VMCOREINFO lacks SYMBOL(init_top_pgt) (and SYMBOL(init_level4_pgt) of older kernels): "
                            + "the kernel page tables cannot be found");
        }
        OptionalLong pageSize = info.pageSize();
        if (pageSize.isPresent() && pageSize.getAsLong() != PAGE_SIZE) {
            throw new VmcoreFormatException(info.resource(), info.fileOffset(),
                    "VMCOREINFO PAGESIZE=" + pageSize.getAsLong() + " is not x86_64's 4096");
        }
        long rootSymbol = root.getAsLong();
        if (Long.compareUnsigned(rootSymbol, START_KERNEL_MAP) < 0) {
            throw new VmcoreFormatException(info.resource(), info.fileOffset(), String.format(Locale.ROOT,
                    "VMCOREINFO page-table root 0x%x is not in the kernel image mapping", rootSymbol));
        }
        OptionalLong l5 = number(info, "pgtable_l5_enabled");
        int levels = l5.isPresent() && l5.getAsLong() != 0 ? 5 : 4;
        long sme = number(info, "sme_mask").orElse(0);
        OptionalLong imageSize = number(info, "KERNEL_IMAGE_SIZE");
        if (imageSize.isPresent() && (imageSize.getAsLong() <= 0 || imageSize.getAsLong() > -START_KERNEL_MAP)) {
            throw new VmcoreFormatException(info.resource(), info.fileOffset(),
                    "VMCOREINFO NUMBER(KERNEL_IMAGE_SIZE)=" + imageSize.getAsLong() + " does not fit the 2 GiB kernel mapping");
        }

        long physBase = 0;
        PhysBaseSource physBaseSource = PhysBaseSource.DEFAULT;
        OptionalLong stated = number(info, "phys_base");
        if (stated.isPresent()) {
            physBase = stated.getAsLong(); // printed signed by the kernel; two's complement makes the arithmetic right either way
            physBaseSource = PhysBaseSource.VMCOREINFO;
        } else {
            for (VirtualMapping m : mappings) {
                if (Long.compareUnsigned(m.virtualAddress(), START_KERNEL_MAP) >= 0) {
                    physBase = m.physicalAddress() - (m.virtualAddress() - START_KERNEL_MAP);
                    physBaseSource = PhysBaseSource.KERNEL_TEXT_MAPPING;
                    break;
                }
            }
        }

        X86_64AddressSpace space = new X86_64AddressSpace(memory, levels, sme, rootSymbol, physBase, physBaseSource,
                info.kernelOffset(), imageSize, info.symbol("vmemmap"), number(info, "VMALLOC_START"),
                0, PageOffsetSource.CONSTANT);
        return space.derivePageOffset(info, mappings);
    }

    /** {@code NUMBER(name)}; a present value that does not parse is a format error rather than "absent". */
    private static OptionalLong number(VmcoreInfo info, String name) throws VmcoreFormatException {
        if (info.raw("NUMBER(" + name + ")").isPresent()) {
            return OptionalLong.of(info.requireNumber(name));
        }
        return OptionalLong.empty();
    }

    private X86_64AddressSpace derivePageOffset(VmcoreInfo info, List<VirtualMapping> mappings) {
        // makedumpfile (arch/x86_64.c) takes the last PT_LOAD below the kernel map: 4.19's /proc/kcore
        // has remap segments before the direct map ones. A mapping of vaddr 0 means "no virtual address".
        long fromMappings = 0;
        for (VirtualMapping m : mappings) {
            long v = m.virtualAddress();
            if (v < 0 && Long.compareUnsigned(v, START_KERNEL_MAP) < 0) {
                fromMappings = v - m.physicalAddress();
            }
        }
        if (fromMappings != 0) {
            return withPageOffset(fromMappings, PageOffsetSource.STATED_MAPPING);
        }
        // Formats without stated mappings (kdump-compressed) still have the answer in memory:
        // mem_section is allocated from memblock, i.e. lives in the direct map, whose base the
        // kernel aligns to 1 GiB even when it randomizes it (arch/x86/mm/kaslr.c).
        OptionalLong section = info.symbol("mem_section");
        if (section.isPresent() && section.getAsLong() < 0 && !inImageWindow(section.getAsLong())) {
            try {
                long base = section.getAsLong() - toPhysical(section.getAsLong());
                if ((base & ((1L << 30) - 1)) == 0 && base < 0) {
                    return withPageOffset(base, PageOffsetSource.DIRECT_MAP_SYMBOL);
                }
            } catch (IOException e) {
                // not translatable: fall back to the constants below
            }
        }
        // The kernel's defaults (arch/x86/include/asm/page_64_types.h over the years); makedumpfile
        // 1.7.9 still uses the pre-4.20 values for every newer kernel.
        int version = kernelVersion(info.osRelease().orElse(""));
        long constant;
        if (version >= 0 && version < kv(2, 6, 27)) {
            constant = 0xffff810000000000L;
        } else if (version >= 0 && version < kv(4, 20, 0)) {
            constant = levels == 5 ? 0xff10000000000000L : 0xffff880000000000L;
        } else {
            constant = levels == 5 ? 0xff11000000000000L : 0xffff888000000000L;
        }
        return withPageOffset(constant, PageOffsetSource.CONSTANT);
    }

    /** {@code KERNEL_VERSION(a, b, c)} of an OSRELEASE such as {@code 6.1.0-56-amd64}, or -1. */
    static int kernelVersion(String release) {
        int[] parts = new int[3];
        int p = 0;
        int i = 0;
        while (p < 3) {
            int start = i;
            long v = 0;
            while (i < release.length() && Character.isDigit(release.charAt(i)) && i - start < 6) {
                v = v * 10 + (release.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                return p == 0 ? -1 : kv(parts[0], parts[1], parts[2]); // "3.10" has no third number
            }
            parts[p++] = (int) v;
            if (i < release.length() && release.charAt(i) == '.') {
                i++;
            } else {
                break;
            }
        }
        return kv(parts[0], parts[1], parts[2]);
    }

    private static int kv(int a, int b, int c) {
        return (a << 16) + (Math.min(b, 255) << 8) + Math.min(c, 255);
    }

    private boolean inImageWindow(long vaddr) {
        return Long.compareUnsigned(vaddr, START_KERNEL_MAP) >= 0 && vaddr - START_KERNEL_MAP < imageWindow;
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pointerSize() {
        return 8;
    }

    @Override
    public long toPhysical(long vaddr) throws IOException {
        return translation.toPhysical(vaddr);
    }

    /** Reads in pieces as large as the translation allows (a whole 2 MiB page, the whole image window). */
    @Override
    public void read(long vaddr, byte[] dst, int off, int len) throws IOException {
        translation.read(vaddr, dst, off, len);
    }

    /** The full walk, bypassing the image-window arithmetic and the cache. */
    @Override
    public PageTranslation walkPageTables(long vaddr) throws IOException {
        return translation.walk(vaddr);
    }

    /** The image window: {@code __START_KERNEL_map} plus {@link #physBase()}, by arithmetic. */
    private final class ImageWindow implements CachedTranslation.ArithmeticRegions {
        @Override
        public long arithmeticRun(long vaddr) {
            return inImageWindow(vaddr) ? imageWindow - (vaddr - START_KERNEL_MAP) : 0;
        }

        @Override
        public long arithmeticPhysical(long vaddr) {
            return vaddr - START_KERNEL_MAP + physBase;
        }
    }

    /** {@return {@code phys_base}: physical address minus link-time offset of the kernel image} */
    public long physBase() {
        return physBase;
    }

    /** {@return where {@link #physBase()} was found} */
    public PhysBaseSource physBaseSource() {
        return physBaseSource;
    }

    /** {@return {@code KERNELOFFSET}: the KASLR displacement of the kernel image, where VMCOREINFO states it} */
    public OptionalLong kernelOffset() {
        return kernelOffset;
    }

    /** {@return {@code NUMBER(KERNEL_IMAGE_SIZE)} where stated (newer kernels)} */
    public OptionalLong kernelImageSize() {
        return statedKernelImageSize;
    }

    /** {@return the arithmetic window above {@link #START_KERNEL_MAP}: {@link #kernelImageSize()}, else {@link #MIN_KERNEL_IMAGE_SIZE}} */
    public long kernelImageWindow() {
        return imageWindow;
    }

    /** {@return {@code page_offset_base}: virtual address of physical address 0 in the direct map} */
    public long pageOffset() {
        return pageOffset;
    }

    /** {@return where {@link #pageOffset()} was found} */
    public PageOffsetSource pageOffsetSource() {
        return pageOffsetSource;
    }

    /** {@return {@code vmemmap_base} (the {@code struct page} array), from {@code SYMBOL(vmemmap)} where exported} */
    public OptionalLong vmemmapBase() {
        return vmemmapBase;
    }

    /** {@return {@code VMALLOC_START}, from {@code NUMBER(VMALLOC_START)} where the kernel exports it} */
    public OptionalLong vmallocStart() {
        return vmallocStart;
    }

    /** {@return 4, or 5 with LA57 ({@code NUMBER(pgtable_l5_enabled)})} */
    public int pagingLevels() {
        return levels;
    }

    /** {@return {@code NUMBER(sme_mask)}: the memory-encryption bit stripped from page-table entries (0 without SME)} */
    public long smeMask() {
        return smeMask;
    }

    /** {@return physical address of the top-level page table walked} */
    public long rootTable() {
        return rootTable;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "X86_64AddressSpace(%d-level, phys_base 0x%x (%s), page_offset 0x%x (%s)%s)",
                levels, physBase, physBaseSource, pageOffset, pageOffsetSource,
                smeMask != 0 ? String.format(Locale.ROOT, ", sme_mask 0x%x", smeMask) : "");
    }

    /** x86_64 long-mode page tables: 512 entries per table, PSE leaves at PUD and PMD. */
    private static final class X86_64PageTables implements PageTableFormat {
        private static final String[] NAMES_4 = {"PGD", "PUD", "PMD", "PTE"};
        private static final String[] NAMES_5 = {"PGD", "P4D", "PUD", "PMD", "PTE"};

        private final int levels;
        private final long addressMask;
        private final String[] names;

        X86_64PageTables(int levels, long smeMask) {
            this.levels = levels;
            this.addressMask = ENTRY_ADDRESS_MASK & ~smeMask;
            this.names = levels == 5 ? NAMES_5 : NAMES_4;
        }

        @Override
        public int levels() {
            return levels;
        }

        @Override
        public String levelName(int level) {
            return names[level];
        }

        @Override
        public int shift(int level) {
            return PAGE_SHIFT + 9 * (levels - 1 - level);
        }

        @Override
        public int indexBits(int level) {
            return 9;
        }

        @Override
        public boolean canonical(long vaddr) {
            int bits = levels == 5 ? 57 : 48;
            return (vaddr >> (bits - 1)) == 0 || (vaddr >> (bits - 1)) == -1;
        }

        @Override
        public boolean present(long entry) {
            return (entry & PRESENT) != 0;
        }

        @Override
        public boolean leaf(long entry, int level) {
            int shift = shift(level);
            return (shift == 30 || shift == 21) && (entry & PAGE_SIZE_BIT) != 0;
        }

        @Override
        public long nextTable(long entry) {
            return entry & addressMask;
        }

        @Override
        public long pageBase(long entry, int level) {
            // clearing the low bits also drops the PAT bit (12) of large-page entries
            return entry & addressMask & -(1L << shift(level));
        }
    }
}
