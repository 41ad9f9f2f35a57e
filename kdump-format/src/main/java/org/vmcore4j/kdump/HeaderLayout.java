package org.vmcore4j.kdump;

/**
 * The ABI a kdump-compressed file's {@code disk_dump_header} and {@code kdump_sub_header} were laid
 * out for: the C structs hold {@code long}s, {@code timeval}s and 64-bit {@code off_t}s, so their
 * offsets depend on the writer's word size and on how it aligns 64-bit members (layouts per
 * makedumpfile's {@code diskdump_mod.h}, header version 6, built with {@code _FILE_OFFSET_BITS=64};
 * the 32-bit variants as libkdumpfile names them). Page descriptors (24 bytes) and bitmaps are the
 * same on every ABI.
 */
public enum HeaderLayout {
    /** 64-bit writers (x86_64, arm64, ppc64, s390x, riscv64): header 464 bytes, sub-header 104. */
    LP64(8, 464, 104),
    /** 32-bit writers that align 64-bit members to 4 bytes (i386): header 452 bytes, sub-header 80. */
    ILP32_PACK(4, 452, 80),
    /** 32-bit writers that align 64-bit members to 8 bytes (ARM EABI): header 452 bytes, sub-header 96. */
    ILP32_PAD(4, 452, 96);

    // disk_dump_header offsets; ILP32 has a 2-byte pad before an 8-byte timeval, LP64 6 bytes before 16
    static final int OFF_SIGNATURE = 0;
    static final int OFF_VERSION = 8;
    static final int OFF_UTSNAME = 12;
    static final int UTS_FIELD_LENGTH = 65;

    private final int pointerSize;
    private final int headerSize;
    private final int subHeaderSize;

    HeaderLayout(int pointerSize, int headerSize, int subHeaderSize) {
        this.pointerSize = pointerSize;
        this.headerSize = headerSize;
        this.subHeaderSize = subHeaderSize;
    }

    /** {@return size of {@code unsigned long} and of a pointer for the writer: 8 or 4} */
    public int pointerSize() {
        return pointerSize;
    }

    /** {@return {@code sizeof(struct disk_dump_header)}} */
    public int headerSize() {
        return headerSize;
    }

    /** {@return {@code sizeof(struct kdump_sub_header)} at header version 6} */
    public int subHeaderSize() {
        return subHeaderSize;
    }

    boolean is64() {
        return this == LP64;
    }

    int offTimestamp() {
        return is64() ? 408 : 404;
    }

    /** Offset of {@code status}; every later header field is a 4-byte int following it. */
    int offStatus() {
        return is64() ? 424 : 412;
    }

    int offBlockSize() {
        return offStatus() + 4;
    }

    int offSubHdrSize() {
        return offStatus() + 8;
    }

    int offBitmapBlocks() {
        return offStatus() + 12;
    }

    int offMaxMapnr() {
        return offStatus() + 16;
    }

    // kdump_sub_header field offsets, in declaration order
    int subPhysBase() {
        return 0;
    }

    int subDumpLevel() {
        return pointerSize;
    }

    int subSplit() {
        return pointerSize + 4;
    }

    int subStartPfn() {
        return pointerSize + 8;
    }

    int subEndPfn() {
        return 2 * pointerSize + 8;
    }

    int subOffsetVmcoreinfo() {
        return switch (this) {
            case LP64 -> 32;
            case ILP32_PACK -> 20;
            case ILP32_PAD -> 24;
        };
    }

    int subSizeVmcoreinfo() {
        return subOffsetVmcoreinfo() + 8;
    }

    int subOffsetNote() {
        return align(subSizeVmcoreinfo() + pointerSize);
    }

    int subSizeNote() {
        return subOffsetNote() + 8;
    }

    int subOffsetEraseinfo() {
        return align(subSizeNote() + pointerSize);
    }

    int subSizeEraseinfo() {
        return subOffsetEraseinfo() + 8;
    }

    int subStartPfn64() {
        return align(subSizeEraseinfo() + pointerSize);
    }

    int subEndPfn64() {
        return subStartPfn64() + 8;
    }

    int subMaxMapnr64() {
        return subStartPfn64() + 16;
    }

    /** Where a 64-bit member following {@code off} lands: ARM EABI aligns it to 8, i386 to 4. */
    private int align(int off) {
        return this == ILP32_PAD ? (off + 7) & ~7 : off;
    }
}
