package org.vmcore4j.elf.internal;

import java.nio.ByteOrder;

/**
 * The ELF file header ({@code Elf32_Ehdr} / {@code Elf64_Ehdr}) as read from a file, every field
 * widened to Java's signed types but holding the file's unsigned value (an ELF64 address above
 * 2<sup>63</sup> is a negative {@code long}; compare with {@link Long#compareUnsigned}).
 *
 * <p>{@link #programHeaderCount()} is the real number of program headers: {@code e_phnum}, or, where
 * {@code e_phnum} is {@link #PN_XNUM}, the {@code sh_info} of section header 0 (extended numbering).
 * The raw fields are kept so that a writer can reproduce or adjust the header.
 *
 * @param elfClass          {@link #ELFCLASS32} or {@link #ELFCLASS64} ({@code e_ident[EI_CLASS]})
 * @param byteOrder         from {@code e_ident[EI_DATA]}
 * @param identVersion      {@code e_ident[EI_VERSION]}
 * @param osAbi             {@code e_ident[EI_OSABI]}
 * @param abiVersion        {@code e_ident[EI_ABIVERSION]}
 * @param type              {@code e_type} ({@link #ET_CORE} for dumps)
 * @param machine           {@code e_machine}
 * @param version           {@code e_version}
 * @param entry             {@code e_entry}
 * @param phoff             {@code e_phoff}
 * @param shoff             {@code e_shoff}
 * @param flags             {@code e_flags}
 * @param ehsize            {@code e_ehsize}
 * @param phentsize         {@code e_phentsize}
 * @param phnumField        {@code e_phnum} as stored (possibly {@link #PN_XNUM})
 * @param shentsize         {@code e_shentsize}
 * @param shnumField        {@code e_shnum} as stored
 * @param shstrndxField     {@code e_shstrndx} as stored
 * @param programHeaderCount the number of program headers after resolving extended numbering
 */
public record ElfHeader(int elfClass, ByteOrder byteOrder, int identVersion, int osAbi, int abiVersion,
        int type, int machine, long version, long entry, long phoff, long shoff, int flags, int ehsize,
        int phentsize, int phnumField, int shentsize, int shnumField, int shstrndxField, long programHeaderCount) {

    public static final int ELFCLASS32 = 1;
    public static final int ELFCLASS64 = 2;
    public static final int ELFDATA2LSB = 1;
    public static final int ELFDATA2MSB = 2;
    /** {@code e_type} of core files, which every kdump vmcore is. */
    public static final int ET_CORE = 4;
    /** {@code e_phnum} value meaning "the count is in section header 0's {@code sh_info}". */
    public static final int PN_XNUM = 0xffff;
    /** Size of {@code e_ident}. */
    public static final int EI_NIDENT = 16;
    public static final int ELF32_EHDR_SIZE = 52;
    public static final int ELF64_EHDR_SIZE = 64;
    public static final int ELF32_PHDR_SIZE = 32;
    public static final int ELF64_PHDR_SIZE = 56;
    public static final int ELF32_SHDR_SIZE = 40;
    public static final int ELF64_SHDR_SIZE = 64;

    /** Whether this is an ELF64 file. */
    public boolean is64() {
        return elfClass == ELFCLASS64;
    }

    /** Size of this class's file header: 52 or 64 bytes. */
    public int headerSize() {
        return is64() ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE;
    }

    /** Size of this class's program header entry: 32 or 56 bytes. */
    public int programHeaderEntrySize() {
        return is64() ? ELF64_PHDR_SIZE : ELF32_PHDR_SIZE;
    }

    /** Whether the program header count came from section header 0 ({@code e_phnum == PN_XNUM}). */
    public boolean extendedNumbering() {
        return phnumField == PN_XNUM;
    }

    /** Byte offset of {@code e_phoff} in the file header, for error messages and writers. */
    public int phoffFieldOffset() {
        return is64() ? 32 : 28;
    }

    int shoffFieldOffset() {
        return is64() ? 40 : 32;
    }

    public int phentsizeFieldOffset() {
        return is64() ? 54 : 42;
    }

    public int phnumFieldOffset() {
        return is64() ? 56 : 44;
    }

    int shentsizeFieldOffset() {
        return is64() ? 58 : 46;
    }
}
