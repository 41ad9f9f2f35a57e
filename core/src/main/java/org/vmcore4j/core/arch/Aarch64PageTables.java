package org.vmcore4j.core.arch;

/**
 * The VMSAv8-64 translation tables the kernel's TTBR1 walk uses (Arm ARM D8; libkdumpfile's
 * addrxlat aarch64.c and Linux arch/arm64/include/asm/pgtable-hwdef.h read for the facts): a
 * granule of 4, 16 or 64 KiB, each level resolving {@code pageShift - 3} bits of the address, as
 * many levels as the kernel's virtual address size needs (4 KiB with 52 bits: five, the first a
 * 16-entry "level -1" table). Bit 0 of a descriptor says it is valid; bits [1:0] = 01 above the
 * last level mark a block (a large page), 11 a table.
 *
 * <p>The output address sits in one of three encodings:
 * <ul>
 * <li>48-bit: bits [47:granule] of the descriptor;</li>
 * <li>LPA2 (4 and 16 KiB granules with 52-bit addressing, TCR_EL1.DS): bits [49:granule], and
 *     address bits [51:50] in descriptor bits [9:8], where the 48-bit form keeps shareability;</li>
 * <li>LPA (64 KiB granule with 52-bit addresses): bits [47:16], and address bits [51:48] in
 *     descriptor bits [15:12], which the 48-bit form leaves zero.</li>
 * </ul>
 * Linux turns LPA2 on exactly when it runs with 52-bit virtual addresses on 4 or 16 KiB pages (it
 * needs TCR_EL1.DS for both), which VMCOREINFO tells through TCR_EL1_T1SZ; libkdumpfile picks its
 * descriptor format by the same rule.
 */
final class Aarch64PageTables implements PageTableFormat {
    private static final long VALID = 1;
    private static final long TYPE_MASK = 3;
    private static final long TYPE_BLOCK = 1;
    private static final long ADDRESS_48 = 0x0000_ffff_ffff_ffffL;
    private static final long ADDRESS_50 = 0x0003_ffff_ffff_ffffL;

    /** How output addresses are encoded in a descriptor. */
    enum Encoding {
        BITS_48, LPA2, LPA
    }

    private final int pageShift;
    private final int vaBits;
    private final int levels;
    private final Encoding encoding;

    /**
     * @param pageShift 12, 14 or 16
     * @param vaBits    the kernel's virtual address size in use (64 - TCR_EL1.T1SZ)
     */
    Aarch64PageTables(int pageShift, int vaBits, Encoding encoding) {
        if (pageShift != 12 && pageShift != 14 && pageShift != 16) {
            throw new IllegalArgumentException("granule 2^" + pageShift);
        }
        if (vaBits <= pageShift || vaBits > 52) {
            throw new IllegalArgumentException(vaBits + "-bit virtual addresses");
        }
        this.pageShift = pageShift;
        this.vaBits = vaBits;
        this.levels = levelsFor(pageShift, vaBits);
        this.encoding = encoding;
    }

    /** Levels the hardware walks: ceil((vaBits - pageShift) / (pageShift - 3)) (Linux's ARM64_HW_PGTABLE_LEVELS). */
    static int levelsFor(int pageShift, int vaBits) {
        int perLevel = pageShift - 3;
        return (vaBits - pageShift + perLevel - 1) / perLevel;
    }

    /** The encoding a Linux kernel uses with this granule and virtual address size (see the class comment). */
    static Encoding linuxEncoding(int pageShift, int vaBits) {
        if (vaBits <= 48) {
            // 64 KiB descriptors keep bits [15:12] zero without LPA, so reading them is harmless
            return pageShift == 16 ? Encoding.LPA : Encoding.BITS_48;
        }
        return pageShift == 16 ? Encoding.LPA : Encoding.LPA2;
    }

    Encoding encoding() {
        return encoding;
    }

    int vaBits() {
        return vaBits;
    }

    @Override
    public int levels() {
        return levels;
    }

    /** Linux's names, counted from the last level: pte, pmd, pud, p4d, pgd. */
    @Override
    public String levelName(int level) {
        return switch (levels - 1 - level) {
            case 0 -> "PTE";
            case 1 -> "PMD";
            case 2 -> "PUD";
            case 3 -> "P4D";
            default -> "PGD";
        };
    }

    @Override
    public int shift(int level) {
        return pageShift + (pageShift - 3) * (levels - 1 - level);
    }

    /** The first level takes what is left of the virtual address (16 entries at 4 KiB with 52 bits). */
    @Override
    public int indexBits(int level) {
        return level == 0 ? vaBits - shift(0) : pageShift - 3;
    }

    /** TTBR1 addresses only: every bit above the virtual address size is set. */
    @Override
    public boolean canonical(long vaddr) {
        return (vaddr >> vaBits) == -1L;
    }

    @Override
    public boolean present(long entry) {
        return (entry & VALID) != 0;
    }

    /**
     * A block descriptor above the last level. Blocks exist only where they map at most 1 GiB
     * (512 GiB with LPA2 at 4 KiB, 4 TiB with LPA at 64 KiB); a "block" higher up is treated as
     * a table, whose walk then fails or lands where the damaged entry points, never loops.
     */
    @Override
    public boolean leaf(long entry, int level) {
        if ((entry & TYPE_MASK) != TYPE_BLOCK || level == levels - 1) {
            return level == levels - 1;
        }
        int maxBlockShift = switch (encoding) {
            case BITS_48 -> 30;
            case LPA2 -> 39;
            case LPA -> 42;
        };
        return shift(level) <= maxBlockShift;
    }

    @Override
    public long nextTable(long entry) {
        return outputAddress(entry) & -(1L << pageShift);
    }

    @Override
    public long pageBase(long entry, int level) {
        return outputAddress(entry) & -(1L << shift(level));
    }

    private long outputAddress(long entry) {
        return switch (encoding) {
            case BITS_48 -> entry & ADDRESS_48;
            case LPA2 -> (entry & ADDRESS_50) | (((entry >>> 8) & 3) << 50);
            case LPA -> (entry & ADDRESS_48 & ~0xf000L) | (((entry >>> 12) & 0xf) << 48);
        };
    }
}
