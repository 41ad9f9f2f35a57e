package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfHeader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.RandomAccessSource;

/**
 * Writes an ELF core dump laid out as makedumpfile 1.7.9's {@code -E} lays it out
 * (write_elf_header, write_elf_pages_cyclic, write_elf_phdr): the file header, the program header
 * table right after it (PT_NOTE first, then the PT_LOADs in the order given), for ELF64 with
 * {@code PN_XNUM} or more entries one section header right after the table (extended numbering),
 * then the note bytes, then each PT_LOAD's data back to back, not page aligned.
 *
 * <p>The writer knows nothing of pages: the caller decides the segments and supplies their bytes
 * through {@link SegmentData}. It must declare how many PT_LOADs it will write before the first
 * one ({@link #create}), since that count fixes where the notes and the data go; it may write fewer
 * (the rest of the reserved table stays zero, i.e. PT_NULL entries), never more.
 *
 * <p>Output order, as makedumpfile's: the program header table is first reserved with zeros, then
 * the file header, the section header and the notes are written; program headers are buffered and
 * written in batches, each PT_LOAD's header before its data. If the sink fails part-way,
 * {@link #markIncomplete()} writes the buffered program headers (so every segment whose data was
 * begun is described) and sets bit 0 of {@code e_flags} (makedumpfile's DUMP_ELF_INCOMPLETE,
 * check_and_modify_elf_headers) where the sink can rewrite.
 *
 * <p>Memory: one data buffer ({@link #DATA_BUFFER_BYTES}) and one program header batch, reused.
 * Not thread-safe.
 */
public final class ElfDumpWriter {
    /** makedumpfile's DUMP_ELF_INCOMPLETE: {@code e_flags} bit set in a dump cut short. */
    public static final int DUMP_ELF_INCOMPLETE = 0x1;
    /** Bytes of segment data read and written at a time. */
    public static final int DATA_BUFFER_BYTES = 1 << 20;
    /** Program headers buffered before they are written (makedumpfile caches 64 KiB of them). */
    private static final int PHDR_BATCH_BYTES = 64 << 10;
    /** The extended-numbering marker of {@code e_phnum} (ELF gABI). */
    private static final int PN_XNUM = ElfHeader.PN_XNUM;

    /**
     * The values of one program header. ELF32 output keeps the low 32 bits of each (as
     * makedumpfile's write_elf_phdr assigns them to {@code Elf32_Phdr} fields).
     */
    public record Phdr(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz,
            long align) {
        /**
         * This header with another {@code p_offset} and {@code p_filesz}.
         *
         * @param newOffset the new offset
         * @param newFilesz the new filesz
         * @return this header with another {@code p_offset} and {@code p_filesz}
         */
        public Phdr withOffsetAndFileSize(long newOffset, long newFilesz) {
            return new Phdr(type, flags, newOffset, vaddr, paddr, newFilesz, memsz, align);
        }

        /**
         * The values of a header read from a file.
         *
         * @param ph a program header
         * @return the values of a header read from a file
         */
        public static Phdr of(ProgramHeader ph) {
            return new Phdr(ph.type(), ph.flags(), ph.offset(), ph.vaddr(), ph.paddr(), ph.filesz(), ph.memsz(),
                    ph.align());
        }
    }

    /** Supplies a segment's bytes. */
    @FunctionalInterface
    public interface SegmentData {
        /**
         * Fills {@code dst[off, off+len)} with the segment's bytes starting {@code position} bytes into
         * the segment. Calls come in increasing, contiguous positions.
         *
         * @param position the position
         * @param dst the buffer the bytes go to
         * @param off where in the buffer the first byte goes
         * @param len how many bytes
         * @throws IOException if reading or writing fails
         */
        void read(long position, byte[] dst, int off, int len) throws IOException;
    }

    private final DumpSink sink;
    private final byte[] fileHeader;
    private final boolean is64;
    private final ByteOrder order;
    private final long declaredLoads;
    private final long dataStart;
    private final ByteBuffer phdrBatch;
    private final byte[] buffer = new byte[DATA_BUFFER_BYTES];
    /** Where the next buffered program header goes once the batch is written. */
    private long phdrBatchOffset;
    private long loadsWritten;
    private long dataOffset;
    private long dataBytesWritten;
    private long tableEnd;
    private byte[] shdr;
    private byte[] notes;
    private Phdr noteHeader;

    private ElfDumpWriter(DumpSink sink, byte[] fileHeader, boolean is64, ByteOrder order, long declaredLoads,
            long dataStart, long firstPhdrOffset) {
        this.sink = sink;
        this.fileHeader = fileHeader;
        this.is64 = is64;
        this.order = order;
        this.declaredLoads = declaredLoads;
        this.dataStart = dataStart;
        this.dataOffset = dataStart;
        this.phdrBatch = ByteBuffer.allocate(PHDR_BATCH_BYTES).order(order);
        this.phdrBatchOffset = firstPhdrOffset;
    }

    /**
     * The file header of {@code elf} as its file holds it ({@code e_ident} padding included), which
     * makedumpfile copies into its output.
     *
     * @param elf the elf
     * @return the file header of {@code elf} as its file holds it ({@code e_ident} padding
     *         included), which makedumpfile copies into its output
     * @throws IOException if reading or writing fails
     */
    public static byte[] fileHeaderOf(ElfFile elf) throws IOException {
        RandomAccessSource source = elf.source();
        return source.readBytes(0, elf.header().headerSize());
    }

    /**
     * A fresh {@code ET_CORE} file header (for input that is not ELF): current version, System V ABI,
     * {@code e_phoff} right after the header, no section headers.
     *
     * @param is64 the is64
     * @param order the byte order
     * @param machine an ELF {@code e_machine} value
     * @return a fresh {@code ET_CORE} file header (for input that is not ELF): current version,
     *         System V ABI, {@code e_phoff} right after the header, no section headers
     */
    public static byte[] newFileHeader(boolean is64, ByteOrder order, int machine) {
        int size = is64 ? ElfHeader.ELF64_EHDR_SIZE : ElfHeader.ELF32_EHDR_SIZE;
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.put(new byte[] {0x7f, 'E', 'L', 'F'});
        b.put((byte) (is64 ? ElfHeader.ELFCLASS64 : ElfHeader.ELFCLASS32));
        b.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? ElfHeader.ELFDATA2LSB : ElfHeader.ELFDATA2MSB));
        b.put((byte) 1); // EI_VERSION = EV_CURRENT
        b.position(ElfHeader.EI_NIDENT);
        b.putShort((short) ElfHeader.ET_CORE);
        b.putShort((short) machine);
        b.putInt(1); // e_version
        if (is64) {
            b.putLong(0); // e_entry
            b.putLong(size); // e_phoff
            b.putLong(0); // e_shoff
        } else {
            b.putInt(0);
            b.putInt(size);
            b.putInt(0);
        }
        b.putInt(0); // e_flags
        b.putShort((short) size); // e_ehsize
        b.putShort((short) (is64 ? ElfHeader.ELF64_PHDR_SIZE : ElfHeader.ELF32_PHDR_SIZE));
        b.putShort((short) 0); // e_phnum, set by start
        b.putShort((short) (is64 ? ElfHeader.ELF64_SHDR_SIZE : ElfHeader.ELF32_SHDR_SIZE));
        b.putShort((short) 0);
        b.putShort((short) 0);
        return b.array();
    }

    /**
     * A writer of a dump into {@code sink}; nothing is written before {@link #begin()}.
     *
     * @param sink where the output goes
     * @return a writer of a dump into {@code sink}; nothing is written before {@link #begin()}
     * @param fileHeader the file header to copy (52 or 64 bytes; its {@code e_ident} decides class and
     *                   byte order). Only {@code e_phoff} (set to the header size, where
     *                   the table is written), {@code e_phnum} and {@code e_shoff}, {@code e_shnum} and
     *                   {@code e_shstrndx} are changed: set for extended numbering, as
     *                   write_elf_header does, else cleared (the output has no sections).
     * @param note       the PT_NOTE header to write; its {@code p_offset} is replaced by where the notes go
     * @param notes      the note bytes, {@code note.filesz()} of them
     * @param loads      how many PT_LOAD headers will follow at most
     * @throws IOException if ELF32 output cannot number that many program headers
     */
    public static ElfDumpWriter create(DumpSink sink, byte[] fileHeader, Phdr note, byte[] notes, long loads)
            throws IOException {
        Objects.requireNonNull(sink);
        if (fileHeader.length < ElfHeader.EI_NIDENT) {
            throw new IllegalArgumentException("an ELF file header is at least 16 bytes");
        }
        boolean is64 = fileHeader[4] == ElfHeader.ELFCLASS64;
        if (!is64 && fileHeader[4] != ElfHeader.ELFCLASS32) {
            throw new IllegalArgumentException("EI_CLASS " + fileHeader[4] + " is neither ELFCLASS32 nor ELFCLASS64");
        }
        ByteOrder order = fileHeader[5] == ElfHeader.ELFDATA2MSB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int ehsz = is64 ? ElfHeader.ELF64_EHDR_SIZE : ElfHeader.ELF32_EHDR_SIZE;
        int phsz = is64 ? ElfHeader.ELF64_PHDR_SIZE : ElfHeader.ELF32_PHDR_SIZE;
        if (fileHeader.length != ehsz) {
            throw new IllegalArgumentException("an ELF" + (is64 ? "64" : "32") + " file header is " + ehsz
                    + " bytes, not " + fileHeader.length);
        }
        if (note.filesz() != notes.length) {
            throw new IllegalArgumentException("PT_NOTE p_filesz " + note.filesz() + " but " + notes.length
                    + " note bytes");
        }
        if (loads < 0 || loads > 0xffff_fffeL) {
            throw new IllegalArgumentException("PT_LOAD count out of range: " + loads);
        }
        long phnum = loads + 1; // PT_NOTE + PT_LOADs
        if (!is64 && phnum > 0xffff) {
            // makedumpfile would silently truncate e_phnum; ELF32 has no extended numbering there.
            throw new IOException("ELF32 output cannot hold " + phnum + " program headers (at most 65535); "
                    + "the filtered dump has too many segments for an ELF32 file");
        }
        ByteBuffer h = ByteBuffer.wrap(fileHeader.clone()).order(order);
        long tableEnd = ehsz + phnum * phsz;
        long noteOffset = tableEnd;
        byte[] shdr = null;
        if (is64) {
            h.putLong(32, ehsz); // e_phoff: the table is written right after the header
            if (phnum >= PN_XNUM) {
                // write_elf_header: e_phnum = PN_XNUM, one SHT_NULL section header right after the
                // program headers, holding the real count in sh_info; sh_size = e_shnum (1),
                // sh_link = e_shstrndx (SHN_UNDEF).
                h.putShort(56, (short) PN_XNUM);
                h.putLong(40, tableEnd);
                h.putShort(58, (short) ElfHeader.ELF64_SHDR_SIZE);
                h.putShort(60, (short) 1);
                h.putShort(62, (short) 0);
                ByteBuffer s = ByteBuffer.allocate(ElfHeader.ELF64_SHDR_SIZE).order(order);
                s.putLong(32, 1); // sh_size
                s.putInt(40, 0); // sh_link
                s.putInt(44, (int) phnum); // sh_info
                shdr = s.array();
                noteOffset += ElfHeader.ELF64_SHDR_SIZE;
            } else {
                h.putShort(56, (short) phnum);
                clearSectionHeaderFields(h, 40, 60);
            }
        } else {
            h.putInt(28, ehsz);
            h.putShort(44, (short) phnum);
            clearSectionHeaderFields(h, 32, 48);
        }
        ElfDumpWriter w = new ElfDumpWriter(sink, h.array(), is64, order, loads, noteOffset + notes.length, ehsz);
        w.tableEnd = tableEnd;
        w.shdr = shdr;
        w.notes = notes;
        w.noteHeader = new Phdr(note.type(), note.flags(), noteOffset, note.vaddr(), note.paddr(), note.filesz(),
                note.memsz(), note.align());
        return w;
    }

    /**
     * Writes the beginning of the dump: reserves the program header table (zeros, reserve_diskspace),
     * writes the file header, the extended-numbering section header if needed and the notes; the
     * PT_NOTE header is buffered with the PT_LOAD headers. Call once, before {@link #writeLoad}.
     *
     * @throws IOException as the sink throws ({@link #markIncomplete()} still applies)
     */
    public void begin() throws IOException {
        if (noteHeader == null) {
            throw new IllegalStateException("begin() called twice");
        }
        int ehsz = fileHeader.length;
        byte[] zeros = new byte[(int) Math.min(tableEnd - ehsz, 4096)];
        for (long at = ehsz; at < tableEnd; at += zeros.length) {
            sink.write(at, ByteBuffer.wrap(zeros, 0, (int) Math.min(zeros.length, tableEnd - at)));
        }
        if (shdr != null) {
            sink.write(tableEnd, ByteBuffer.wrap(shdr));
        }
        putPhdr(noteHeader);
        noteHeader = null;
        // incomplete until finish() rewrites the header: a run killed half-way leaves a file that says so
        sink.write(0, ByteBuffer.wrap(sink.canRewrite() ? incompleteHeader() : fileHeader.clone()));
        if (notes.length > 0) {
            sink.write(dataStart - notes.length, ByteBuffer.wrap(notes));
        }
        notes = null;
    }

    /** {@return where the next PT_LOAD's data goes: right after the notes, then after each segment's data} */
    public long nextDataOffset() {
        return dataOffset;
    }

    /** {@return where the first PT_LOAD's data goes (makedumpfile's offset_load_dumpfile)} */
    public long dataStart() {
        return dataStart;
    }

    /** {@return PT_LOAD headers written so far (buffered ones included)} */
    public long loadsWritten() {
        return loadsWritten;
    }

    /** {@return segment data bytes written so far} */
    public long dataBytesWritten() {
        return dataBytesWritten;
    }

    /** {@return whether this is an ELF64 file} */
    public boolean is64() {
        return is64;
    }

    /**
     * Writes one PT_LOAD: its header (buffered), then {@code load.filesz()} bytes from {@code data}
     * at {@link #nextDataOffset()}.
     *
     * @param data the data
     * @param load its {@code p_offset} must be {@link #nextDataOffset()} when it has file data; without
     *             it, any value (makedumpfile writes 0 or the current offset, depending)
     * @throws IllegalStateException if more PT_LOADs are written than {@link #create} declared
     * @throws IOException           as the sink or {@code data} throws
     */
    public void writeLoad(Phdr load, SegmentData data) throws IOException {
        if (noteHeader != null) {
            throw new IllegalStateException("begin() must come first");
        }
        if (loadsWritten >= declaredLoads) {
            throw new IllegalStateException("more PT_LOADs than the " + declaredLoads + " declared");
        }
        if (load.filesz() < 0) {
            throw new IllegalArgumentException("p_filesz out of range: " + load.filesz());
        }
        if (load.filesz() > 0 && load.offset() != dataOffset) {
            throw new IllegalArgumentException("PT_LOAD p_offset " + load.offset() + " is not where its data goes ("
                    + dataOffset + ")");
        }
        putPhdr(load);
        loadsWritten++;
        long left = load.filesz();
        long position = 0;
        while (left > 0) {
            int n = (int) Math.min(left, buffer.length);
            data.read(position, buffer, 0, n);
            sink.write(dataOffset, ByteBuffer.wrap(buffer, 0, n));
            dataOffset += n;
            dataBytesWritten += n;
            position += n;
            left -= n;
        }
    }

    /**
     * Writes the buffered program headers and the final file header: the dump is complete.
     *
     * @throws IOException if reading or writing fails
     */
    public void finish() throws IOException {
        flushPhdrs();
        if (sink.canRewrite()) {
            sink.write(0, ByteBuffer.wrap(fileHeader.clone()));
        }
    }

    /**
     * The output has no section headers (but for extended numbering's, set apart), so a copied
     * header must not point at the input's: {@code e_shoff}, {@code e_shnum} and {@code e_shstrndx}
     * become 0 ({@code e_shentsize} stays, as it describes no table). A vmcore has none anyway.
     */
    private static void clearSectionHeaderFields(ByteBuffer h, int shoffAt, int shnumAt) {
        if (shoffAt == 40) {
            h.putLong(shoffAt, 0);
        } else {
            h.putInt(shoffAt, 0);
        }
        h.putShort(shnumAt, (short) 0);
        h.putShort(shnumAt + 2, (short) 0); // e_shstrndx
    }

    private byte[] incompleteHeader() {
        byte[] marked = fileHeader.clone();
        int flagsAt = is64 ? 48 : 36;
        ByteBuffer h = ByteBuffer.wrap(marked).order(order);
        h.putInt(flagsAt, h.getInt(flagsAt) | DUMP_ELF_INCOMPLETE);
        return marked;
    }

    /**
     * After a failure: writes the buffered program headers, then sets DUMP_ELF_INCOMPLETE in
     * {@code e_flags} if the sink can rewrite (check_and_modify_elf_headers). Failures of these
     * writes are attached to nothing and reported by the return value.
     *
     * @return whether the flag was written
     */
    public boolean markIncomplete() {
        try {
            flushPhdrs();
        } catch (IOException e) {
            // what fits is written; the header flag below still matters more
        }
        if (!sink.canRewrite()) {
            return false;
        }
        try {
            sink.write(0, ByteBuffer.wrap(incompleteHeader()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void putPhdr(Phdr p) throws IOException {
        int size = is64 ? ElfHeader.ELF64_PHDR_SIZE : ElfHeader.ELF32_PHDR_SIZE;
        if (phdrBatch.remaining() < size) {
            flushPhdrs();
        }
        ByteBuffer b = phdrBatch;
        if (is64) {
            b.putInt(p.type()).putInt(p.flags()).putLong(p.offset()).putLong(p.vaddr()).putLong(p.paddr())
                    .putLong(p.filesz()).putLong(p.memsz()).putLong(p.align());
        } else {
            // Elf32_Phdr field order: type, offset, vaddr, paddr, filesz, memsz, flags, align
            b.putInt(p.type()).putInt((int) p.offset()).putInt((int) p.vaddr()).putInt((int) p.paddr())
                    .putInt((int) p.filesz()).putInt((int) p.memsz()).putInt(p.flags()).putInt((int) p.align());
        }
    }

    private void flushPhdrs() throws IOException {
        if (phdrBatch.position() == 0) {
            return;
        }
        phdrBatch.flip();
        int n = phdrBatch.remaining();
        try {
            sink.write(phdrBatchOffset, phdrBatch);
        } finally {
            phdrBatch.clear();
        }
        phdrBatchOffset += n;
    }
}
