package org.vmcore4j.kdump.codec;

/**
 * A page compression method of the kdump-compressed format, with the bit that marks it in the
 * header's {@code status} and in each page descriptor's {@code flags}.
 *
 * <p>ZLIB, LZO, SNAPPY and ZSTD are makedumpfile's (bits per {@code diskdump_mod.h}: 0x1, 0x2, 0x4,
 * 0x20). {@link #LZ4} is vmcore4j's own opt-in extension: no other tool defines or reads its bit,
 * so a dump written with it is readable by vmcore4j only; crash and makedumpfile would take such
 * pages for raw ones. Readers decide per page, because a page that does not compress to less than
 * a page is stored raw ({@link #NONE}) whatever the header says.
 */
public enum Compression {
    /** Raw page bytes, descriptor flags 0. */
    NONE(0, "none"),
    /** zlib stream (RFC 1950 wrapper), makedumpfile {@code -c}. */
    ZLIB(0x1, "zlib"),
    /** LZO1X, makedumpfile {@code -l}. */
    LZO(0x2, "lzo"),
    /** Raw snappy block (not the framing format), makedumpfile {@code -p}. */
    SNAPPY(0x4, "snappy"),
    /** One zstd frame per page, makedumpfile {@code -z}. */
    ZSTD(0x20, "zstd"),
    /**
     * One raw LZ4 block per page: vmcore4j's extension, marked by {@link #LZ4_FLAG}. Bit 30 is far
     * from the bits makedumpfile allocates in sequence from the bottom (0x1 .. 0x20 so far), and
     * below the sign bit of the 32-bit field.
     */
    LZ4(Compression.LZ4_FLAG, "lz4");

    /** The status/flags bit vmcore4j uses for {@link #LZ4}; defined by no other tool. */
    public static final int LZ4_FLAG = 0x4000_0000;

    /** Every bit that names a compression method, vmcore4j's LZ4 bit included. */
    public static final int ALL_FLAGS = 0x1 | 0x2 | 0x4 | 0x20 | LZ4_FLAG;

    private final int flag;
    private final String displayName;

    Compression(int flag, String displayName) {
        this.flag = flag;
        this.displayName = displayName;
    }

    /** {@return the bit in header {@code status} and page descriptor {@code flags}; 0 for {@link #NONE}} */
    public int flag() {
        return flag;
    }

    /** {@return short lower-case name ({@code "zlib"}, {@code "lzo"}, ...)} */
    public String displayName() {
        return displayName;
    }

    /** {@return whether {@link #LZ4}: an extension other tools cannot read} */
    public boolean isExtension() {
        return this == LZ4;
    }

    /**
     * The method named by the compression bits of {@code flags}, or {@code null} if more than one
     * such bit is set (a corrupt descriptor). Other bits are ignored.
     *
     * @param flags descriptor or status flags
     * @return the method named by the compression bits of {@code flags}, or {@code null} if more
     *         than one such bit is set (a corrupt descriptor)
     */
    public static Compression fromFlags(int flags) {
        int bits = flags & ALL_FLAGS;
        if (bits == 0) {
            return NONE;
        }
        if (Integer.bitCount(bits) != 1) {
            return null;
        }
        for (Compression c : values()) {
            if (c.flag == bits) {
                return c;
            }
        }
        throw new AssertionError(bits);
    }

    @Override
    public String toString() {
        return displayName;
    }
}
