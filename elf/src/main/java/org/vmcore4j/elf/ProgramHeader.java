package org.vmcore4j.elf;

/**
 * One program header ({@code Elf32_Phdr} / {@code Elf64_Phdr}), in file order. Values are the file's
 * unsigned fields in Java {@code long}s (ELF32 fields zero-extended), so compare offsets and sizes
 * with {@link Long#compareUnsigned}. Headers of every type are kept, not only PT_LOAD and PT_NOTE.
 *
 * @param index        position in the program header table (0-based)
 * @param headerOffset file offset of this entry, for error messages and writers
 * @param type         {@code p_type}
 * @param flags        {@code p_flags} ({@link #PF_R}, {@link #PF_W}, {@link #PF_X})
 * @param offset       {@code p_offset}: where the segment's bytes start in the file
 * @param vaddr        {@code p_vaddr}
 * @param paddr        {@code p_paddr}
 * @param filesz       {@code p_filesz}: bytes present in the file
 * @param memsz        {@code p_memsz}: bytes the segment spans in memory (the part beyond filesz
 *              reads as zeros)
 * @param align        {@code p_align}
 */
public record ProgramHeader(int index, long headerOffset, int type, int flags, long offset, long vaddr,
        long paddr, long filesz, long memsz, long align) {

    /** {@code p_type} of an unused entry. */
    public static final int PT_NULL = 0;
    /** {@code p_type} of a loadable segment: in a core, a run of memory. */
    public static final int PT_LOAD = 1;
    /** {@code p_type} of dynamic linking information. */
    public static final int PT_DYNAMIC = 2;
    /** {@code p_type} of the interpreter path. */
    public static final int PT_INTERP = 3;
    /** {@code p_type} of a note segment. */
    public static final int PT_NOTE = 4;
    /** {@code p_flags} bit: executable. */
    public static final int PF_X = 1;
    /** {@code p_flags} bit: writable. */
    public static final int PF_W = 2;
    /** {@code p_flags} bit: readable. */
    public static final int PF_R = 4;

    /** {@return whether this is a PT_LOAD segment} */
    public boolean isLoad() {
        return type == PT_LOAD;
    }

    /** {@return whether this is a PT_NOTE segment} */
    public boolean isNote() {
        return type == PT_NOTE;
    }

    /** Offset of {@code p_offset} inside an entry of the given class. */
    static int offsetFieldOffset(boolean is64) {
        return is64 ? 8 : 4;
    }

    static int paddrFieldOffset(boolean is64) {
        return is64 ? 24 : 12;
    }

    static int fileszFieldOffset(boolean is64) {
        return is64 ? 32 : 16;
    }

    static int memszFieldOffset(boolean is64) {
        return is64 ? 40 : 20;
    }
}
