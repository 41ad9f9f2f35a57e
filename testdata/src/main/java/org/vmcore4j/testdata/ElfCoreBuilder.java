package org.vmcore4j.testdata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Builds synthetic ELF core files byte by byte, independently of vmcore4j's reader and writer, for
 * unit and property tests: ELF32 or ELF64, either byte order, any {@code e_machine}, one PT_NOTE with
 * arbitrary notes (NT_PRSTATUS and VMCOREINFO helpers lay them out as Linux does), PT_LOADs with given
 * addresses, sizes and contents, extra program headers of any type, and extended program header
 * numbering.
 *
 * <p>Layout, as {@code /proc/vmcore} has it: ELF header; program headers (PT_NOTE first, then the
 * others in the order added); section header 0 when extended numbering is used; the notes; then each
 * PT_LOAD's file bytes, aligned to {@link #dataAlignment(int)} (1 packs them, as {@code makedumpfile -E}
 * does). {@link Image} reports where everything went so tests can mutate or truncate precisely.
 */
public final class ElfCoreBuilder {
    public static final int EM_386 = 3;
    public static final int EM_PPC64 = 21;
    public static final int EM_S390 = 22;
    public static final int EM_X86_64 = 62;
    public static final int EM_AARCH64 = 183;
    public static final int ET_EXEC = 2;
    public static final int ET_CORE = 4;
    public static final int PT_NULL = 0;
    public static final int PT_LOAD = 1;
    public static final int PT_NOTE = 4;
    public static final int NT_PRSTATUS = 1;
    public static final int PN_XNUM = 0xffff;

    private final boolean elf64;
    private final ByteOrder order;
    private int machine = EM_X86_64;
    private int type = ET_CORE;
    private int flags;
    private boolean forceExtendedNumbering;
    private boolean noteSegment = true;
    private int dataAlignment = 4096;
    private final List<byte[]> notes = new ArrayList<>();
    private final List<Phdr> phdrs = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();

    /** A program header to emit; {@code data} non-null for PT_LOADs whose bytes the builder places. */
    private record Phdr(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz,
            long align, byte[] data) {
    }

    /** A section to emit after the PT_LOAD data, named in a {@code .shstrtab} the builder adds. */
    private record Section(String name, int type, byte[] data) {
    }

    /**
     * The built file and where its parts are.
     *
     * @param bytes                the whole file
     * @param phoff                offset of the program header table
     * @param phentsize            size of one program header
     * @param programHeaderOffsets offset of every program header, in table order
     * @param shoff                offset of section header 0, or 0 without extended numbering
     * @param noteOffset           offset of the PT_NOTE data, or -1 without one
     * @param noteSize             size of the PT_NOTE data
     * @param noteHeaderOffsets    offset of every note header, in order
     * @param loadDataOffsets      file offset of each builder-placed PT_LOAD's bytes, in the order added
     */
    public record Image(byte[] bytes, int phoff, int phentsize, List<Integer> programHeaderOffsets, int shoff,
            int noteOffset, int noteSize, List<Integer> noteHeaderOffsets, List<Long> loadDataOffsets) {
        /** Every offset where a header or note structure begins or ends: the interesting truncation points. */
        public List<Integer> boundaries() {
            List<Integer> b = new ArrayList<>(List.of(0, 16, phoff));
            for (int o : programHeaderOffsets) {
                b.add(o);
                b.add(o + phentsize);
            }
            if (shoff > 0) {
                b.add(shoff);
            }
            b.addAll(noteHeaderOffsets);
            if (noteOffset >= 0) {
                b.add(noteOffset + noteSize);
            }
            for (long l : loadDataOffsets) {
                b.add((int) l);
            }
            b.add(bytes.length);
            return b.stream().filter(x -> x <= bytes.length).distinct().sorted().toList();
        }
    }

    private ElfCoreBuilder(boolean elf64, ByteOrder order) {
        this.elf64 = elf64;
        this.order = Objects.requireNonNull(order);
    }

    public static ElfCoreBuilder elf64(ByteOrder order) {
        return new ElfCoreBuilder(true, order);
    }

    public static ElfCoreBuilder elf32(ByteOrder order) {
        return new ElfCoreBuilder(false, order);
    }

    public ElfCoreBuilder machine(int machine) {
        this.machine = machine;
        return this;
    }

    public ElfCoreBuilder type(int type) {
        this.type = type;
        return this;
    }

    public ElfCoreBuilder flags(int flags) {
        this.flags = flags;
        return this;
    }

    /** Writes {@code e_phnum = PN_XNUM} and the count in section header 0 even when it would fit. */
    public ElfCoreBuilder extendedNumbering() {
        this.forceExtendedNumbering = true;
        return this;
    }

    /** Omits the PT_NOTE program header (notes added are then not written). */
    public ElfCoreBuilder withoutNoteSegment() {
        this.noteSegment = false;
        return this;
    }

    /** Aligns each PT_LOAD's file data to {@code alignment} bytes (default 4096; 1 packs them). */
    public ElfCoreBuilder dataAlignment(int alignment) {
        if (alignment < 1) {
            throw new IllegalArgumentException("alignment " + alignment);
        }
        this.dataAlignment = alignment;
        return this;
    }

    /** Adds a note; {@code n_namesz} counts the name plus its NUL, as Linux writes it. */
    public ElfCoreBuilder note(String name, int noteType, byte[] desc) {
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        byte[] withNul = Arrays.copyOf(n, n.length + 1);
        return rawNote(withNul, withNul.length, noteType, desc, desc.length);
    }

    /**
     * Adds a note with explicit {@code n_namesz}/{@code n_descsz} fields; the name and descriptor bytes
     * are written as given, each padded to 4 bytes, whatever the fields say (for malformed notes).
     */
    public ElfCoreBuilder rawNote(byte[] name, long namesz, int noteType, byte[] desc, long descsz) {
        ByteBuffer b = ByteBuffer.allocate(12 + pad4(name.length) + pad4(desc.length)).order(order);
        b.putInt((int) namesz).putInt((int) descsz).putInt(noteType);
        b.put(name);
        b.position(12 + pad4(name.length));
        b.put(desc);
        notes.add(b.array());
        return this;
    }

    /** The kernel's VMCOREINFO note: name "VMCOREINFO", type 0, the text without a NUL. */
    public ElfCoreBuilder vmcoreInfo(String text) {
        return note("VMCOREINFO", 0, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * An x86_64 NT_PRSTATUS note (336 bytes): {@code pr_pid} at 32, 27 registers at 112 in
     * {@code user_regs_struct} order (r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi
     * orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs).
     */
    public ElfCoreBuilder prStatusX86_64(int pid, long... regs) {
        return note("CORE", NT_PRSTATUS, prStatus64(pid, regs, 27, 336));
    }

    /** An aarch64 NT_PRSTATUS note (392 bytes): {@code pr_pid} at 32, x0..x30 sp pc pstate at 112. */
    public ElfCoreBuilder prStatusAarch64(int pid, long... regs) {
        return note("CORE", NT_PRSTATUS, prStatus64(pid, regs, 34, 392));
    }

    /**
     * An i386 NT_PRSTATUS note (144 bytes): {@code pr_pid} at 24, 17 registers at 72 (ebx ecx edx esi
     * edi ebp eax ds es fs gs orig_eax eip cs eflags esp ss).
     */
    public ElfCoreBuilder prStatusI386(int pid, int... regs) {
        if (regs.length != 17) {
            throw new IllegalArgumentException("i386 has 17 registers, got " + regs.length);
        }
        ByteBuffer b = ByteBuffer.allocate(144).order(order);
        b.putInt(24, pid);
        for (int i = 0; i < regs.length; i++) {
            b.putInt(72 + 4 * i, regs[i]);
        }
        return note("CORE", NT_PRSTATUS, b.array());
    }

    /** A 64-bit {@code elf_prstatus} of {@code size} bytes with {@code pr_pid} at 32 and {@code n} registers at 112. */
    public byte[] prStatus64(int pid, long[] regs, int n, int size) {
        if (regs.length != n) {
            throw new IllegalArgumentException("expected " + n + " registers, got " + regs.length);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(32, pid);
        for (int i = 0; i < regs.length; i++) {
            b.putLong(112 + 8 * i, regs[i]);
        }
        return b.array();
    }

    /** A PT_LOAD holding {@code data} (filesz = memsz = data.length). */
    public ElfCoreBuilder load(long paddr, long vaddr, byte[] data) {
        return load(paddr, vaddr, data, data.length);
    }

    /** A PT_LOAD holding {@code data} in the file and spanning {@code memsz} bytes in memory. */
    public ElfCoreBuilder load(long paddr, long vaddr, byte[] data, long memsz) {
        phdrs.add(new Phdr(PT_LOAD, 7, -1, vaddr, paddr, data.length, memsz, 0, data.clone()));
        return this;
    }

    /** A program header written exactly as given; the builder places no data for it. */
    public ElfCoreBuilder programHeader(int phType, int phFlags, long offset, long vaddr, long paddr, long filesz,
            long memsz, long align) {
        phdrs.add(new Phdr(phType, phFlags, offset, vaddr, paddr, filesz, memsz, align, null));
        return this;
    }

    /**
     * Adds a section (as a Xen xc_core dump has them); with any section the file gets a section header
     * table (null section, these, then {@code .shstrtab}) after all other data. Not with extended
     * numbering.
     */
    public ElfCoreBuilder section(String name, int shType, byte[] data) {
        sections.add(new Section(name, shType, data.clone()));
        return this;
    }

    public Image build() {
        if (!sections.isEmpty()) {
            return withSections(buildWithoutSections());
        }
        return buildWithoutSections();
    }

    /** Appends the sections, {@code .shstrtab} and the section header table, and points the header at them. */
    private Image withSections(Image img) {
        if (img.shoff() != 0) {
            throw new IllegalStateException("sections and extended numbering together are not supported");
        }
        int shentsize = elf64 ? 64 : 40;
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        names.write(0);
        List<Integer> nameAt = new ArrayList<>();
        for (Section s : sections) {
            nameAt.add(names.size());
            names.writeBytes((s.name + "\0").getBytes(StandardCharsets.ISO_8859_1));
        }
        int strtabName = names.size();
        names.writeBytes(".shstrtab\0".getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(img.bytes());
        List<Long> at = new ArrayList<>();
        for (Section s : sections) {
            at.add((long) out.size());
            out.writeBytes(s.data);
        }
        long strtabAt = out.size();
        out.writeBytes(names.toByteArray());
        while (out.size() % 8 != 0) {
            out.write(0);
        }
        int shoff = out.size();
        int count = sections.size() + 2;
        ByteBuffer table = ByteBuffer.allocate(count * shentsize).order(order);
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            writeShdr(table, (i + 1) * shentsize, nameAt.get(i), s.type, at.get(i), s.data.length);
        }
        writeShdr(table, (count - 1) * shentsize, strtabName, 3 /* SHT_STRTAB */, strtabAt, names.size());
        out.writeBytes(table.array());
        ByteBuffer file = ByteBuffer.wrap(out.toByteArray()).order(order);
        if (elf64) {
            file.putLong(40, shoff).putShort(58, (short) shentsize).putShort(60, (short) count)
                    .putShort(62, (short) (count - 1));
        } else {
            file.putInt(32, shoff).putShort(46, (short) shentsize).putShort(48, (short) count)
                    .putShort(50, (short) (count - 1));
        }
        return new Image(file.array(), img.phoff(), img.phentsize(), img.programHeaderOffsets(), 0,
                img.noteOffset(), img.noteSize(), img.noteHeaderOffsets(), img.loadDataOffsets());
    }

    private void writeShdr(ByteBuffer t, int at, int name, int shType, long offset, long size) {
        t.putInt(at, name).putInt(at + 4, shType);
        if (elf64) {
            t.putLong(at + 24, offset).putLong(at + 32, size).putLong(at + 48, 1);
        } else {
            t.putInt(at + 16, (int) offset).putInt(at + 20, (int) size).putInt(at + 32, 1);
        }
    }

    private Image buildWithoutSections() {
        int ehsize = elf64 ? 64 : 52;
        int phentsize = elf64 ? 56 : 32;
        int shentsize = elf64 ? 64 : 40;
        int count = phdrs.size() + (noteSegment ? 1 : 0);
        boolean extended = forceExtendedNumbering || count >= PN_XNUM;
        ByteArrayOutputStream noteBytes = new ByteArrayOutputStream();
        List<Integer> noteRel = new ArrayList<>();
        if (noteSegment) {
            for (byte[] n : notes) {
                noteRel.add(noteBytes.size());
                noteBytes.writeBytes(n);
            }
        }
        int phoff = ehsize;
        int shoff = extended ? phoff + count * phentsize : 0;
        int noteOffset = (extended ? shoff + shentsize : phoff + count * phentsize);
        long cursor = noteOffset + noteBytes.size();
        List<Long> dataOffsets = new ArrayList<>();
        List<long[]> placed = new ArrayList<>();
        for (Phdr p : phdrs) {
            if (p.data != null) {
                cursor = (cursor + dataAlignment - 1) / dataAlignment * dataAlignment;
                dataOffsets.add(cursor);
                placed.add(new long[] {cursor});
                cursor += p.data.length;
            } else {
                placed.add(null);
            }
        }
        if (cursor > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("synthetic core too large: " + cursor);
        }
        ByteBuffer out = ByteBuffer.allocate((int) cursor).order(order);
        out.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (elf64 ? 2 : 1),
                (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1, 0});
        out.position(16);
        out.putShort((short) type).putShort((short) machine).putInt(1);
        if (elf64) {
            out.putLong(0).putLong(phoff).putLong(shoff);
        } else {
            out.putInt(0).putInt(phoff).putInt(shoff);
        }
        out.putInt(flags).putShort((short) ehsize).putShort((short) phentsize)
                .putShort((short) (extended ? PN_XNUM : count))
                .putShort((short) (extended ? shentsize : 0)).putShort((short) (extended ? 1 : 0)).putShort((short) 0);
        List<Integer> phOffsets = new ArrayList<>();
        int at = phoff;
        if (noteSegment) {
            phOffsets.add(at);
            writePhdr(out, at, PT_NOTE, 0, noteOffset, 0, 0, noteBytes.size(), noteBytes.size(), 4);
            at += phentsize;
        }
        for (int i = 0; i < phdrs.size(); i++) {
            Phdr p = phdrs.get(i);
            long off = placed.get(i) != null ? placed.get(i)[0] : p.offset;
            phOffsets.add(at);
            writePhdr(out, at, p.type, p.flags, off, p.vaddr, p.paddr, p.filesz, p.memsz, p.align);
            at += phentsize;
            if (p.data != null) {
                out.put((int) off, p.data);
            }
        }
        if (extended) {
            // section header 0: all zero except sh_info, which holds the program header count
            out.putInt(shoff + (elf64 ? 44 : 28), count);
        }
        out.put(noteOffset, noteBytes.toByteArray());
        List<Integer> noteHeaders = noteRel.stream().map(r -> r + noteOffset).toList();
        return new Image(out.array(), phoff, phentsize, List.copyOf(phOffsets), shoff,
                noteSegment ? noteOffset : -1, noteBytes.size(), noteHeaders, List.copyOf(dataOffsets));
    }

    private void writePhdr(ByteBuffer out, int at, int phType, int phFlags, long offset, long vaddr, long paddr,
            long filesz, long memsz, long align) {
        if (elf64) {
            out.putInt(at, phType).putInt(at + 4, phFlags).putLong(at + 8, offset).putLong(at + 16, vaddr)
                    .putLong(at + 24, paddr).putLong(at + 32, filesz).putLong(at + 40, memsz).putLong(at + 48, align);
        } else {
            out.putInt(at, phType).putInt(at + 4, (int) offset).putInt(at + 8, (int) vaddr).putInt(at + 12, (int) paddr)
                    .putInt(at + 16, (int) filesz).putInt(at + 20, (int) memsz).putInt(at + 24, phFlags)
                    .putInt(at + 28, (int) align);
        }
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
