package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfFormat;

import org.vmcore4j.elf.internal.ElfHeader;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.internal.LazyKernelAddressSpace;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * A crash dump in ELF core format: {@code /proc/vmcore}, a copy of it, or {@code makedumpfile -E}
 * output. ELF32 or ELF64, either byte order.
 *
 * <p>Opening parses and checks every header and note (see {@link ElfFile}), decodes NT_PRSTATUS per
 * CPU (see {@link PrStatus}) and the VMCOREINFO note, and builds the physical memory map (see
 * {@link #physicalMemory()}); damage found there throws {@link VmcoreFormatException}. The page size
 * is VMCOREINFO's {@code PAGESIZE}, or 4096 where the dump has no VMCOREINFO or no PAGESIZE line.
 * A file truncated inside its PT_LOAD data still opens: the missing pages have status
 * {@link org.vmcore4j.core.PageStatus#LOST}.
 *
 * <p>The parsed ELF structure is public through {@link #elf()} for writers that copy headers and
 * notes. Thread-safe for reads; closing closes the source.
 */
public final class ElfVmcore implements Vmcore {
    /** Page size assumed where VMCOREINFO does not state one: the base page of every supported architecture. */
    public static final int DEFAULT_PAGE_SIZE = 4096;
    /** Smallest and largest {@code PAGESIZE} accepted (Linux uses 4 KiB to 256 KiB). */
    static final int MIN_PAGE_SIZE = 1 << 10;
    static final int MAX_PAGE_SIZE = 1 << 20;

    private final RandomAccessSource source;
    private final ElfFile elf;
    private final Architecture architecture;
    private final Optional<VmcoreInfo> vmcoreInfo;
    private final List<CpuState> cpus;
    private final ElfPhysicalMemory memory;
    private final List<VirtualMapping> statedMappings;
    private final LazyKernelAddressSpace kernelAddressSpace = LazyKernelAddressSpace.of(this,
            "the dump has no VMCOREINFO note, which kernel address translation needs");

    private ElfVmcore(RandomAccessSource source, ElfFile elf, Architecture architecture,
            Optional<VmcoreInfo> vmcoreInfo, List<CpuState> cpus, ElfPhysicalMemory memory,
            List<VirtualMapping> statedMappings) {
        this.source = source;
        this.elf = elf;
        this.architecture = architecture;
        this.vmcoreInfo = vmcoreInfo;
        this.cpus = cpus;
        this.memory = memory;
        this.statedMappings = statedMappings;
    }

    /**
     * Opens the ELF vmcore at {@code file} (memory-mapped where possible).
     *
     * @param file the file
     * @return the elf vmcore
     * @throws IOException if reading or writing fails
     */
    public static ElfVmcore open(Path file) throws IOException {
        RandomAccessSource source = RandomAccessSource.open(file);
        try {
            return open(source);
        } catch (IOException | RuntimeException | Error e) {
            try {
                source.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Opens an ELF vmcore from {@code source}. On success the dump owns the source and closes it;
     * on failure the caller still owns it.
     *
     * @param source the bytes to read
     * @return the elf vmcore
     * @throws VmcoreFormatException if the file is not an ELF core of a known architecture, or is damaged
     */
    public static ElfVmcore open(RandomAccessSource source) throws IOException {
        return open(source, Optional.empty());
    }

    /**
     * As {@link #open(RandomAccessSource)}; {@code stated} is the architecture to use where
     * {@code e_machine} names none vmcore4j knows.
     *
     * @param source the bytes to read
     * @param stated the virtual-to-physical mappings the dump's headers state
     * @return the elf vmcore
     * @throws IOException if reading or writing fails
     */
    public static ElfVmcore open(RandomAccessSource source, Optional<Architecture> stated) throws IOException {
        String res = source.description();
        ElfFile elf = ElfFile.read(source);
        ElfHeader h = elf.header();
        if (h.type() != ElfHeader.ET_CORE) {
            throw new VmcoreFormatException(res, 16, "ELF type " + h.type() + " is not a core file (ET_CORE = 4)");
        }
        UnsupportedElfCores.refuse(elf);
        Architecture arch = Architecture.fromElfMachine(h.machine()).or(() -> stated).orElseThrow(
                () -> new VmcoreFormatException(res, 18, "ELF machine " + h.machine()
                        + " is not an architecture vmcore4j knows"));
        Optional<VmcoreInfo> info = Optional.empty();
        Optional<Note> infoNote = elf.vmcoreInfoNote();
        if (infoNote.isPresent()) {
            Note n = infoNote.get();
            info = Optional.of(VmcoreInfo.parse(n.descriptor(), res, n.descriptorOffset()));
        }
        int pageSize = pageSize(info, res);
        List<CpuState> cpus = PrStatus.decodeAll(arch, h.byteOrder(), elf.notes(), res);
        ElfPhysicalMemory memory = ElfPhysicalMemory.create(elf, pageSize);
        List<VirtualMapping> mappings = new ArrayList<>();
        for (ProgramHeader ph : elf.loads()) {
            if (ph.vaddr() != 0 && ph.memsz() != 0 && ph.paddr() != elf.noPhysicalAddress()) {
                mappings.add(new VirtualMapping(ph.vaddr(), ph.paddr(), ph.memsz()));
            }
        }
        return new ElfVmcore(source, elf, arch, info, cpus, memory, List.copyOf(mappings));
    }

    private static int pageSize(Optional<VmcoreInfo> info, String res) throws VmcoreFormatException {
        if (info.isEmpty() || info.get().raw("PAGESIZE").isEmpty()) {
            return DEFAULT_PAGE_SIZE;
        }
        OptionalLong ps = info.get().pageSize();
        if (ps.isEmpty() || ps.getAsLong() < MIN_PAGE_SIZE || ps.getAsLong() > MAX_PAGE_SIZE
                || Long.bitCount(ps.getAsLong()) != 1) {
            throw new VmcoreFormatException(res, info.get().fileOffset(), "VMCOREINFO PAGESIZE='"
                    + info.get().raw("PAGESIZE").get() + "' is not a power of two between " + MIN_PAGE_SIZE
                    + " and " + MAX_PAGE_SIZE);
        }
        return (int) ps.getAsLong();
    }

    /** {@return the parsed ELF headers and notes} */
    public ElfFile elf() {
        return elf;
    }

    /**
     * The ELF headers of {@code dump} where it is an ELF core opened by this module, for writers
     * that copy them (makedumpfile's {@code -E} keeps the input's file header and PT_NOTE).
     *
     * @param dump the opened dump
     * @return the ELF headers of {@code dump} where it is an ELF core opened by this module, for
     *         writers that copy them (makedumpfile's {@code -E} keeps the input's file header and
     *         PT_NOTE)
     */
    public static Optional<ElfFile> elfOf(Vmcore dump) {
        return dump instanceof ElfVmcore e ? Optional.of(e.elf) : Optional.empty();
    }

    /** True: the PT_LOADs lay the memory out. */
    @Override
    public boolean describesMemoryWithLoadSegments() {
        return true;
    }

    @Override
    public String formatName() {
        return ElfFormat.NAME;
    }

    @Override
    public String description() {
        return source.description();
    }

    /** From {@code e_machine}. */
    @Override
    public Architecture architecture() {
        return architecture;
    }

    /** From {@code e_ident[EI_DATA]}. */
    @Override
    public ByteOrder byteOrder() {
        return elf.header().byteOrder();
    }

    /** The last VMCOREINFO note, parsed. */
    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    @Override
    public byte[] noteSection() {
        return elf.rawNotes();
    }

    @Override
    public List<Note> notes() {
        return elf.notes();
    }

    @Override
    public List<CpuState> cpus() {
        return cpus;
    }

    /**
     * The PT_LOADs as physical memory: {@code ranges()} is the union of their physical extents
     * ({@code p_paddr .. p_paddr + p_memsz}), overlaps merged; {@code endPfn()} is makedumpfile's
     * {@code max_mapnr} for ELF input, the highest segment end rounded up to a page. Pages beyond a
     * segment's file size are {@link org.vmcore4j.core.PageStatus#EXCLUDED} and read as zeros.
     */
    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    /** {@code (p_vaddr, p_paddr, p_memsz)} of every PT_LOAD with a non-zero virtual address and a physical one. */
    @Override
    public List<VirtualMapping> statedMappings() {
        return statedMappings;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        return kernelAddressSpace.get();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    @Override
    public String toString() {
        return "ElfVmcore(" + source.description() + ", " + architecture + ", " + cpus.size() + " CPUs, " + memory + ")";
    }
}
