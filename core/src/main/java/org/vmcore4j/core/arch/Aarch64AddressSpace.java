package org.vmcore4j.core.arch;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * The kernel virtual address space of a crashed aarch64 Linux kernel, from VMCOREINFO alone
 * (FORMATS.md §6.2; makedumpfile's arch/arm64.c and libkdumpfile's addrxlat read for the facts).
 *
 * <p>Every address is translated by walking the kernel's own tables from {@code swapper_pg_dir},
 * whose physical address is its symbol minus {@code NUMBER(kimage_voffset)} (the kernel image's
 * virtual-to-physical offset), as the MMU walks them for TTBR1: the granule from {@code PAGESIZE}
 * (4, 16 or 64 KiB), the virtual address size in use from {@code NUMBER(TCR_EL1_T1SZ)} (64 - T1SZ;
 * a kernel built for 52 bits runs with 48 on a CPU without LVA or with {@code arm64.nolva}), else
 * {@code NUMBER(VA_BITS)}; the descriptor format follows (LPA2 for 52 bits on 4/16 KiB, LPA on
 * 64 KiB, see {@link Aarch64PageTables}). The linear map, where the kernel keeps all RAM, is then
 * translated arithmetically with an offset that one walk confirmed, and the kernel image, where the
 * dump's headers state its mapping, with kimage_voffset; other walks are cached per page.
 * Instances are immutable and safe to share between threads.
 */
public final class Aarch64AddressSpace implements KernelAddressSpace {
    /** Where {@link #linearOffset()} came from. */
    public enum LinearOffsetSource {
        /** The kernel's {@code (vaddr - PAGE_OFFSET) + NUMBER(PHYS_OFFSET)}, confirmed by a page-table walk. */
        PHYS_OFFSET,
        /** A page-table walk of a linear-map address, where the PHYS_OFFSET arithmetic disagreed with it. */
        WALK,
        /** No linear-map address could be walked: every address is translated through the tables. */
        NONE
    }

    private final PhysicalMemory memory;
    private final Aarch64PageTables tables;
    private final CachedTranslation translation;
    private final long rootTable;
    private final int vaBits;
    private final int configuredVaBits;
    private final long kimageVoffset;
    private final OptionalLong physOffset;
    private final long pageOffset;
    private final long imageStart;
    private final long imageSize;
    private final boolean linearKnown;
    private final long linearOffset;
    private final LinearOffsetSource linearOffsetSource;

    private Aarch64AddressSpace(PhysicalMemory memory, Aarch64PageTables tables, long rootTable, int configuredVaBits,
            long kimageVoffset, OptionalLong physOffset, long pageOffset, long imageStart, long imageSize,
            boolean linearKnown, long linearOffset, LinearOffsetSource source) {
        this.memory = memory;
        this.tables = tables;
        int pageShift = tables.shift(tables.levels() - 1);
        this.translation = new CachedTranslation(memory, new PageTableWalker(memory, tables, ByteOrder.LITTLE_ENDIAN),
                new TranslationCache(pageShift, pageShift + (pageShift - 3)), rootTable, new LinearMapAndImage());
        this.rootTable = rootTable;
        this.vaBits = tables.vaBits();
        this.configuredVaBits = configuredVaBits;
        this.kimageVoffset = kimageVoffset;
        this.physOffset = physOffset;
        this.pageOffset = pageOffset;
        this.imageStart = imageStart;
        this.imageSize = imageSize;
        this.linearKnown = linearKnown;
        this.linearOffset = linearOffset;
        this.linearOffsetSource = source;
    }

    /**
     * Builds the address space of an aarch64 dump.
     *
     * @param memory the physical memory
     * @param info the VMCOREINFO
     * @return the aarch64 address space
     * @param mappings the virtual mappings the dump's headers state: the one of the kernel image
     *                 (virtual minus physical is kimage_voffset) is translated arithmetically
     * @throws VmcoreFormatException naming the VMCOREINFO keys that are missing or invalid
     */
    public static Aarch64AddressSpace create(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(mappings, "mappings");
        String res = info.resource();
        long pageSize = info.pageSize().orElseThrow(() -> new VmcoreFormatException(res, info.fileOffset(),
                "VMCOREINFO lacks PAGESIZE: the aarch64 translation granule is unknown"));
        int pageShift = Long.numberOfTrailingZeros(pageSize);
        if (pageSize != 4096 && pageSize != 16384 && pageSize != 65536) {
            throw new VmcoreFormatException(res, info.fileOffset(),
                    "VMCOREINFO PAGESIZE=" + pageSize + " is not an aarch64 granule (4096, 16384 or 65536)");
        }
        OptionalLong configured = number(info, "VA_BITS");
        OptionalLong t1sz = number(info, "TCR_EL1_T1SZ");
        if (configured.isEmpty() && t1sz.isEmpty()) {
            throw new VmcoreFormatException(res, info.fileOffset(),
                    "VMCOREINFO lacks NUMBER(TCR_EL1_T1SZ) and NUMBER(VA_BITS): the kernel's virtual address size is unknown");
        }
        long bits = t1sz.isPresent() ? 64 - t1sz.getAsLong() : configured.getAsLong();
        if (bits <= pageShift + 2 || bits > 52) {
            throw new VmcoreFormatException(res, info.fileOffset(), (t1sz.isPresent()
                    ? "VMCOREINFO NUMBER(TCR_EL1_T1SZ)=" + t1sz.getAsLong() : "VMCOREINFO NUMBER(VA_BITS)=" + bits)
                    + " gives " + bits + "-bit kernel addresses, outside what aarch64 with " + pageSize
                    + "-byte pages translates");
        }
        int vaBits = (int) bits;
        long swapper = info.symbol("swapper_pg_dir").orElseThrow(() -> new VmcoreFormatException(res, info.fileOffset(),
                "VMCOREINFO lacks SYMBOL(swapper_pg_dir): the kernel page tables cannot be found"));
        long kimageVoffset = number(info, "kimage_voffset").orElseThrow(() -> new VmcoreFormatException(res,
                info.fileOffset(), "VMCOREINFO lacks NUMBER(kimage_voffset): the kernel image, and with it "
                        + "swapper_pg_dir, cannot be placed in physical memory"));
        long root = swapper - kimageVoffset;
        if ((root & (8 - 1)) != 0 || root < 0) {
            throw new VmcoreFormatException(res, info.fileOffset(), String.format(Locale.ROOT,
                    "SYMBOL(swapper_pg_dir)=0x%x minus NUMBER(kimage_voffset)=0x%x is not a table address",
                    swapper, kimageVoffset));
        }
        Aarch64PageTables tables = new Aarch64PageTables(pageShift, vaBits,
                Aarch64PageTables.linuxEncoding(pageShift, vaBits));
        // Linux 5.4 put the linear map in the lower half of the kernel's range ("flipped"); a kernel
        // text address in the upper half says so (makedumpfile's get_page_offset_arm64), else the
        // release does (libkdumpfile's fallback)
        OptionalLong stext = info.symbol("_stext");
        int minBits = (int) Math.min(configured.orElse(vaBits), 48);
        boolean flipped = stext.isPresent()
                ? Long.compareUnsigned(stext.getAsLong(), -(1L << (minBits - 1))) > 0
                : X86_64AddressSpace.kernelVersion(info.osRelease().orElse("")) >= (5 << 16) + (4 << 8)
                        || info.osRelease().isEmpty();
        long pageOffset = flipped ? -(1L << vaBits) : -(1L << (vaBits - 1));
        OptionalLong physOffset = number(info, "PHYS_OFFSET");
        // The kernel image as the dump's headers state it (kexec-tools' PT_LOAD from _text to _end):
        // translated with kimage_voffset, as libkdumpfile reads it, also where the kernel has since
        // unmapped a part (its freed __init section)
        long imageStart = 0;
        long imageSize = 0;
        for (VirtualMapping m : mappings) {
            if (m.virtualAddress() - m.physicalAddress() == kimageVoffset && m.size() > 0) {
                imageStart = m.virtualAddress();
                imageSize = m.size();
                break;
            }
        }
        Aarch64AddressSpace walking = new Aarch64AddressSpace(memory, tables, root, (int) configured.orElse(vaBits),
                kimageVoffset, physOffset, pageOffset, imageStart, imageSize, false, 0, LinearOffsetSource.NONE);
        return walking.settleLinearOffset(info);
    }

    /**
     * The linear map's offset, confirmed by one walk: of {@code SYMBOL(mem_section)} where it lies in
     * the linear map (the kernel allocates the section roots there), else of the linear address
     * PHYS_OFFSET arithmetic gives the first page of RAM. The kernel's arithmetic (__lm_to_phys)
     * subtracts the PAGE_OFFSET it was built for, {@code -(1 << VA_BITS)}: a 52-bit kernel running
     * with 48 bits moves PHYS_OFFSET (memstart_addr) instead, to 0xfff1... for RAM at 1 GiB.
     */
    private Aarch64AddressSpace settleLinearOffset(VmcoreInfo info) {
        long builtPageOffset = -(1L << configuredVaBits);
        long arithmetic = physOffset.isPresent() ? builtPageOffset - physOffset.getAsLong() : 0;
        long sample = 0;
        OptionalLong section = info.symbol("mem_section");
        if (section.isPresent() && isLinear(section.getAsLong())) {
            sample = section.getAsLong();
        } else if (physOffset.isPresent()) {
            for (PhysicalRange r : memory.ranges()) {
                long va = r.start() + arithmetic;
                if (isLinear(va)) {
                    sample = va;
                    break;
                }
            }
        }
        if (sample == 0) {
            return this;
        }
        long walked;
        try {
            PageTranslation t = walkPageTables(sample);
            walked = sample - (t.physicalBase() + (sample & (t.size() - 1)));
        } catch (IOException e) {
            return this; // no fast path; every read walks
        }
        LinearOffsetSource source = physOffset.isPresent() && walked == arithmetic
                ? LinearOffsetSource.PHYS_OFFSET : LinearOffsetSource.WALK;
        return new Aarch64AddressSpace(memory, tables, rootTable, configuredVaBits, kimageVoffset, physOffset,
                pageOffset, imageStart, imageSize, true, walked, source);
    }

    private static OptionalLong number(VmcoreInfo info, String name) throws VmcoreFormatException {
        if (info.raw("NUMBER(" + name + ")").isPresent()) {
            return OptionalLong.of(info.requireNumber(name));
        }
        return OptionalLong.empty();
    }

    /** Whether {@code vaddr} lies in the linear map: the lower half of the kernel's range (flipped layout). */
    private boolean isLinear(long vaddr) {
        return Long.compareUnsigned(vaddr, pageOffset) >= 0
                && Long.compareUnsigned(vaddr - pageOffset, 1L << (vaBits - 1)) < 0;
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

    private boolean inImage(long vaddr) {
        return Long.compareUnsigned(vaddr - imageStart, imageSize) < 0;
    }

    @Override
    public long toPhysical(long vaddr) throws IOException {
        return translation.toPhysical(vaddr);
    }

    /** Reads in pieces as large as the translation allows (a block, the rest of the linear map). */
    @Override
    public void read(long vaddr, byte[] dst, int off, int len) throws IOException {
        translation.read(vaddr, dst, off, len);
    }

    /** The full walk, bypassing the linear-map and kernel-image arithmetic and the cache. */
    @Override
    public PageTranslation walkPageTables(long vaddr) throws IOException {
        return translation.walk(vaddr);
    }

    /** The linear map (once its offset is known) and the kernel image, by arithmetic. */
    private final class LinearMapAndImage implements CachedTranslation.ArithmeticRegions {
        @Override
        public long arithmeticRun(long vaddr) {
            if (linearKnown && isLinear(vaddr)) {
                return (1L << (vaBits - 1)) - (vaddr - pageOffset);
            }
            return inImage(vaddr) ? imageSize - (vaddr - imageStart) : 0;
        }

        @Override
        public long arithmeticPhysical(long vaddr) {
            return linearKnown && isLinear(vaddr) ? vaddr - linearOffset : vaddr - kimageVoffset;
        }
    }

    /** {@return the virtual address size in use (64 - TCR_EL1.T1SZ)} */
    public int vaBits() {
        return vaBits;
    }

    /** {@return {@code NUMBER(VA_BITS)}: the size the kernel was built for (52 may run as 48)} */
    public int configuredVaBits() {
        return configuredVaBits;
    }

    /** {@return the number of translation table levels the kernel uses} */
    public int pagingLevels() {
        return tables.levels();
    }

    /**
     * {@return whether descriptors carry 52-bit output addresses in the LPA2 layout (bits [9:8] are
     * address bits 51:50)}
     */
    public boolean lpa2() {
        return tables.encoding() == Aarch64PageTables.Encoding.LPA2;
    }

    /** {@return {@code PAGE_OFFSET}: the start of the linear map, also makedumpfile's KVBASE} */
    public long pageOffset() {
        return pageOffset;
    }

    /**
     * {@return {@code NUMBER(PHYS_OFFSET)}: the physical address of the start of RAM as the kernel saw
     * it}
     */
    public OptionalLong physOffset() {
        return physOffset;
    }

    /** {@return {@code NUMBER(kimage_voffset)}: the kernel image's virtual minus physical address} */
    public long kimageVoffset() {
        return kimageVoffset;
    }

    /**
     * {@return linear-map virtual minus physical address, where known ({@link #linearOffsetSource()}
     * is not NONE)}
     */
    public long linearOffset() {
        return linearOffset;
    }

    /** {@return where the linear map's offset was found} */
    public LinearOffsetSource linearOffsetSource() {
        return linearOffsetSource;
    }

    /** {@return physical address of {@code swapper_pg_dir}, the first table walked} */
    public long rootTable() {
        return rootTable;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Aarch64AddressSpace(%d-bit VA (built for %d), %d-level, %s, page_offset 0x%x, "
                        + "linear offset 0x%x (%s))", vaBits, configuredVaBits, tables.levels(), tables.encoding(),
                pageOffset, linearOffset, linearOffsetSource);
    }
}
