package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfHeader;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.internal.Notes;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * The parsed structure of an ELF file as a dump reader or writer needs it: the file header, every
 * program header, and every PT_NOTE segment with its raw bytes and decoded notes. ELF32 and ELF64,
 * either byte order, extended program header numbering ({@code e_phnum == PN_XNUM}) in both classes.
 * Immutable; reading it does not keep the source busy.
 *
 * <p>Everything the file states is checked before it sizes an allocation or a loop: the program
 * header table must lie inside the file and hold at most {@link #MAX_PROGRAM_HEADERS} entries of the
 * standard size; PT_NOTE segments must lie inside the file and total at most {@link #MAX_NOTE_BYTES};
 * a PT_LOAD's {@code p_filesz} may not exceed its {@code p_memsz}. A PT_LOAD's data may extend past
 * the end of the file (a truncated dump): that is reported by {@link #availableFileBytes}, not
 * refused, so the rest of the dump stays readable. Defects throw {@link VmcoreFormatException}
 * naming the file and the offset of the faulty field.
 */
public final class ElfFile {
    /** Far more program headers than a vmcore has (makedumpfile -E splits PT_LOADs, 16 x 65535 leaves ample room). */
    public static final int MAX_PROGRAM_HEADERS = 16 * 0xffff;
    /** Limit on the bytes of all PT_NOTE segments together; real dumps have kilobytes to a few megabytes. */
    public static final long MAX_NOTE_BYTES = 64L << 20;

    private static final byte[] MAGIC = {0x7f, 'E', 'L', 'F'};
    /** Program headers are read this many at a time, so a large table never needs one huge buffer. */
    private static final int BATCH = 1024;

    private final RandomAccessSource source;
    private final ElfHeader header;
    private final List<ProgramHeader> programHeaders;
    private final List<ProgramHeader> loads;
    private final List<NoteSegment> noteSegments;
    private final List<Note> notes;

    private ElfFile(RandomAccessSource source, ElfHeader header, List<ProgramHeader> programHeaders,
            List<NoteSegment> noteSegments) {
        this.source = source;
        this.header = header;
        this.programHeaders = List.copyOf(programHeaders);
        this.loads = this.programHeaders.stream().filter(ProgramHeader::isLoad).toList();
        this.noteSegments = List.copyOf(noteSegments);
        List<Note> all = new ArrayList<>();
        for (NoteSegment s : noteSegments) {
            all.addAll(s.notes());
        }
        this.notes = List.copyOf(all);
    }

    /**
     * Whether {@code source} starts with the ELF magic, a valid class and data encoding. Never throws for short sources.
     *
     * @param source the bytes to read
     * @return whether {@code source} starts with the ELF magic, a valid class and data encoding
     * @throws IOException if reading or writing fails
     */
    public static boolean hasElfIdent(RandomAccessSource source) throws IOException {
        if (source.size() < ElfHeader.EI_NIDENT) {
            return false;
        }
        byte[] ident = source.readBytes(0, ElfHeader.EI_NIDENT);
        for (int i = 0; i < MAGIC.length; i++) {
            if (ident[i] != MAGIC[i]) {
                return false;
            }
        }
        return (ident[4] == ElfHeader.ELFCLASS32 || ident[4] == ElfHeader.ELFCLASS64)
                && (ident[5] == ElfHeader.ELFDATA2LSB || ident[5] == ElfHeader.ELFDATA2MSB);
    }

    /**
     * Parses the headers and notes of {@code source}. The source stays owned by the caller.
     *
     * @param source the bytes to read
     * @return the elf file
     * @throws IOException if reading or writing fails
     */
    public static ElfFile read(RandomAccessSource source) throws IOException {
        String res = source.description();
        long size = source.size();
        ElfHeader h = readHeader(source, res, size);
        List<ProgramHeader> phdrs = readProgramHeaders(source, h, res, size);
        List<NoteSegment> notes = readNotes(source, h, phdrs, res, size);
        return new ElfFile(source, h, phdrs, notes);
    }

    private static ElfHeader readHeader(RandomAccessSource source, String res, long size) throws IOException {
        if (size < ElfHeader.EI_NIDENT) {
            throw new VmcoreFormatException(res, 0, "file of " + size + " bytes is too short for an ELF identification");
        }
        byte[] ident = source.readBytes(0, ElfHeader.EI_NIDENT);
        for (int i = 0; i < MAGIC.length; i++) {
            if (ident[i] != MAGIC[i]) {
                throw new VmcoreFormatException(res, i, "no ELF magic (\\x7fELF)");
            }
        }
        int cls = ident[4];
        if (cls != ElfHeader.ELFCLASS32 && cls != ElfHeader.ELFCLASS64) {
            throw new VmcoreFormatException(res, 4, "invalid ELF class " + cls + " (EI_CLASS must be 1 or 2)");
        }
        int data = ident[5];
        if (data != ElfHeader.ELFDATA2LSB && data != ElfHeader.ELFDATA2MSB) {
            throw new VmcoreFormatException(res, 5, "invalid ELF data encoding " + data + " (EI_DATA must be 1 or 2)");
        }
        boolean is64 = cls == ElfHeader.ELFCLASS64;
        ByteOrder order = data == ElfHeader.ELFDATA2LSB ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        int ehsz = is64 ? ElfHeader.ELF64_EHDR_SIZE : ElfHeader.ELF32_EHDR_SIZE;
        if (size < ehsz) {
            throw new VmcoreFormatException(res, 0, "file of " + size + " bytes is too short for the "
                    + ehsz + "-byte ELF" + (is64 ? "64" : "32") + " header");
        }
        byte[] b = source.readBytes(0, ehsz);
        int type = u16(b, 16, order);
        int machine = u16(b, 18, order);
        long version = u32(b, 20, order);
        long entry;
        long phoff;
        long shoff;
        int p;
        if (is64) {
            entry = Notes.getLong(b, 24, order);
            phoff = Notes.getLong(b, 32, order);
            shoff = Notes.getLong(b, 40, order);
            p = 48;
        } else {
            entry = u32(b, 24, order);
            phoff = u32(b, 28, order);
            shoff = u32(b, 32, order);
            p = 36;
        }
        int flags = Notes.getInt(b, p, order);
        int ehsize = u16(b, p + 4, order);
        int phentsize = u16(b, p + 6, order);
        int phnum = u16(b, p + 8, order);
        int shentsize = u16(b, p + 10, order);
        int shnum = u16(b, p + 12, order);
        int shstrndx = u16(b, p + 14, order);
        long count = phnum;
        if (phnum == ElfHeader.PN_XNUM) {
            count = extendedCount(source, is64, order, shoff, res, size, p + 8);
        }
        return new ElfHeader(cls, order, ident[6] & 0xff, ident[7] & 0xff, ident[8] & 0xff, type, machine, version,
                entry, phoff, shoff, flags, ehsize, phentsize, phnum, shentsize, shnum, shstrndx, count);
    }

    /** The real program header count from section header 0's {@code sh_info} (ELF gABI extended numbering). */
    private static long extendedCount(RandomAccessSource source, boolean is64, ByteOrder order, long shoff,
            String res, long size, int phnumFieldOffset) throws IOException {
        int shsz = is64 ? ElfHeader.ELF64_SHDR_SIZE : ElfHeader.ELF32_SHDR_SIZE;
        int shoffField = is64 ? 40 : 32;
        if (shoff == 0) {
            throw new VmcoreFormatException(res, phnumFieldOffset,
                    "e_phnum is PN_XNUM (extended numbering) but e_shoff is 0: no section header 0 holds the count");
        }
        if (size < shsz || Long.compareUnsigned(shoff, size - shsz) > 0) {
            throw new VmcoreFormatException(res, shoffField, "section header 0 at " + Long.toUnsignedString(shoff)
                    + " (needed for extended program header numbering) runs past the end of the file (size " + size + ")");
        }
        int infoAt = is64 ? 44 : 28;
        return Integer.toUnsignedLong(source.readInt(shoff + infoAt, order));
    }

    private static List<ProgramHeader> readProgramHeaders(RandomAccessSource source, ElfHeader h, String res, long size)
            throws IOException {
        long count = h.programHeaderCount();
        if (count == 0) {
            return List.of();
        }
        long countField = h.extendedNumbering() ? h.shoff() + (h.is64() ? 44 : 28) : h.phnumFieldOffset();
        if (count > MAX_PROGRAM_HEADERS) {
            throw new VmcoreFormatException(res, countField,
                    count + " program headers exceed the limit of " + MAX_PROGRAM_HEADERS);
        }
        int entsize = h.programHeaderEntrySize();
        if (h.phentsize() != entsize) {
            throw new VmcoreFormatException(res, h.phentsizeFieldOffset(),
                    "e_phentsize is " + h.phentsize() + "; ELF" + (h.is64() ? "64" : "32") + " program headers are "
                            + entsize + " bytes");
        }
        long tableSize = count * entsize;
        if (tableSize > size || Long.compareUnsigned(h.phoff(), size - tableSize) > 0) {
            throw new VmcoreFormatException(res, h.phoffFieldOffset(), "program header table (" + count
                    + " entries of " + entsize + " bytes at " + Long.toUnsignedString(h.phoff())
                    + ") runs past the end of the file (size " + size + ")");
        }
        boolean is64 = h.is64();
        ByteOrder order = h.byteOrder();
        List<ProgramHeader> out = new ArrayList<>((int) count);
        byte[] buf = new byte[(int) Math.min(count, BATCH) * entsize];
        for (long first = 0; first < count; first += BATCH) {
            int n = (int) Math.min(BATCH, count - first);
            long at = h.phoff() + first * entsize;
            source.read(at, buf, 0, n * entsize);
            for (int i = 0; i < n; i++) {
                int o = i * entsize;
                long where = at + o;
                ProgramHeader ph = is64
                        ? new ProgramHeader((int) (first + i), where, Notes.getInt(buf, o, order),
                                Notes.getInt(buf, o + 4, order), Notes.getLong(buf, o + 8, order),
                                Notes.getLong(buf, o + 16, order), Notes.getLong(buf, o + 24, order),
                                Notes.getLong(buf, o + 32, order), Notes.getLong(buf, o + 40, order),
                                Notes.getLong(buf, o + 48, order))
                        : new ProgramHeader((int) (first + i), where, Notes.getInt(buf, o, order),
                                Notes.getInt(buf, o + 24, order), u32(buf, o + 4, order), u32(buf, o + 8, order),
                                u32(buf, o + 12, order), u32(buf, o + 16, order), u32(buf, o + 20, order),
                                u32(buf, o + 28, order));
                if (ph.isLoad() && Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0) {
                    throw new VmcoreFormatException(res, where + ProgramHeader.fileszFieldOffset(is64),
                            "PT_LOAD #" + ph.index() + " has p_filesz " + Long.toUnsignedString(ph.filesz())
                                    + " larger than p_memsz " + Long.toUnsignedString(ph.memsz()));
                }
                out.add(ph);
            }
        }
        return out;
    }

    private static List<NoteSegment> readNotes(RandomAccessSource source, ElfHeader h, List<ProgramHeader> phdrs,
            String res, long size) throws IOException {
        List<NoteSegment> out = new ArrayList<>();
        long total = 0;
        for (ProgramHeader ph : phdrs) {
            if (!ph.isNote()) {
                continue;
            }
            long filesz = ph.filesz();
            if (Long.compareUnsigned(filesz, MAX_NOTE_BYTES - total) > 0) {
                throw new VmcoreFormatException(res, ph.headerOffset() + ProgramHeader.fileszFieldOffset(h.is64()),
                        "PT_NOTE #" + ph.index() + " of " + Long.toUnsignedString(filesz)
                                + " bytes takes the notes past the " + MAX_NOTE_BYTES + "-byte limit");
            }
            if (filesz > size || Long.compareUnsigned(ph.offset(), size - filesz) > 0) {
                throw new VmcoreFormatException(res, ph.headerOffset() + ProgramHeader.offsetFieldOffset(h.is64()),
                        "PT_NOTE #" + ph.index() + " (" + filesz + " bytes at " + Long.toUnsignedString(ph.offset())
                                + ") runs past the end of the file (size " + size + ")");
            }
            total += filesz;
            byte[] bytes = source.readBytes(ph.offset(), (int) filesz);
            List<Note> notes = Notes.parse(bytes, 0, bytes.length, h.byteOrder(), res, ph.offset());
            out.add(new NoteSegment(ph, bytes, notes));
        }
        return out;
    }

    private static int u16(byte[] b, int i, ByteOrder order) {
        return order == ByteOrder.LITTLE_ENDIAN ? (b[i] & 0xff) | (b[i + 1] & 0xff) << 8
                : (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static long u32(byte[] b, int i, ByteOrder order) {
        return Integer.toUnsignedLong(Notes.getInt(b, i, order));
    }

    /** {@return the source this model was read from (not owned by the model)} */
    public RandomAccessSource source() {
        return source;
    }

    /**
     * {@return the file header (a type of the module's internal package: for vmcore4j's own writers
     * and tests)}
     */
    public ElfHeader header() {
        return header;
    }

    /** {@return {@code e_flags}, which an ELF writer copies (makedumpfile -E keeps it)} */
    public int flags() {
        return header.flags();
    }

    /** {@return every program header in table order, whatever its type} */
    public List<ProgramHeader> programHeaders() {
        return programHeaders;
    }

    /** {@return the PT_LOAD program headers in table order} */
    public List<ProgramHeader> loads() {
        return loads;
    }

    /** {@return the PT_NOTE segments in table order} */
    public List<NoteSegment> noteSegments() {
        return noteSegments;
    }

    /** {@return every note of every PT_NOTE segment, in file order} */
    public List<Note> notes() {
        return notes;
    }

    /**
     * {@return the bytes of all PT_NOTE segments concatenated in table order (a kdump file stores
     * exactly this blob)}
     */
    public byte[] rawNotes() {
        int total = 0;
        for (NoteSegment s : noteSegments) {
            total += s.size();
        }
        byte[] out = new byte[total];
        int at = 0;
        for (NoteSegment s : noteSegments) {
            System.arraycopy(s.rawBytes(), 0, out, at, s.size());
            at += s.size();
        }
        return out;
    }

    /**
     * The last note named {@code "VMCOREINFO"} of type 0. The last one counts, as in makedumpfile and
     * libkdumpfile, which both let a later note override an earlier one.
     *
     * @return the last note named {@code "VMCOREINFO"} of type 0
     */
    public Optional<Note> vmcoreInfoNote() {
        Note found = null;
        for (Note n : notes) {
            if (n.is("VMCOREINFO", 0)) {
                found = n;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * How many of {@code ph}'s {@code p_filesz} bytes the file really holds: fewer than
     * {@code p_filesz} where the file was truncated inside (or before) the segment's data.
     *
     * @param ph a program header
     * @return how many of {@code ph}'s {@code p_filesz} bytes the file really holds: fewer than
     *         {@code p_filesz} where the file was truncated inside (or before) the segment's data
     */
    public long availableFileBytes(ProgramHeader ph) {
        long size = source.size();
        if (Long.compareUnsigned(ph.offset(), size) >= 0) {
            return 0;
        }
        long room = size - ph.offset();
        return Long.compareUnsigned(ph.filesz(), room) <= 0 ? ph.filesz() : room;
    }

    /** {@return {@code p_paddr} value that means "no physical address" in this class: all ones} */
    public long noPhysicalAddress() {
        return header.is64() ? -1L : 0xffff_ffffL;
    }

    @Override
    public String toString() {
        return "ElfFile(" + source.description() + ", ELF" + (header.is64() ? "64" : "32") + " "
                + (header.byteOrder() == ByteOrder.LITTLE_ENDIAN ? "LE" : "BE") + ", machine " + header.machine()
                + ", " + programHeaders.size() + " program headers, " + notes.size() + " notes)";
    }
}
