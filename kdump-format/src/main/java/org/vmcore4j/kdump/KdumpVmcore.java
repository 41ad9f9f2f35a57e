package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.HeaderFacts;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.internal.LazyKernelAddressSpace;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.kdump.internal.FlattenedSource;

/**
 * A kdump-compressed dump (makedumpfile's default output, {@code -c/-l/-p/-z}, also the old
 * {@code DISKDUMP} files) opened as a {@link Vmcore}: one file, or all files of a {@code --split}
 * set read as one dump. A flattened ({@code -F}) file is read through {@link FlattenedSource}.
 *
 * <p>Physical memory follows the two bitmaps: a frame outside the memory bitmap (or at or above
 * {@code max_mapnr}) is {@link org.vmcore4j.core.PageStatus#NOT_RAM NOT_RAM}; in it but not in the
 * dumpable bitmap, {@link org.vmcore4j.core.PageStatus#EXCLUDED EXCLUDED} (and reading it throws a
 * {@link org.vmcore4j.core.MemoryAccessException} — excluded pages never read as zeros); dumpable
 * with a descriptor that was never written (offset 0, or past the end of a truncated file),
 * {@link org.vmcore4j.core.PageStatus#LOST LOST}; otherwise
 * {@link org.vmcore4j.core.PageStatus#PRESENT PRESENT}. A page whose data is damaged reads as a
 * {@link VmcoreFormatException} naming the file, the data offset and the PFN; other pages stay
 * readable.
 *
 * <p>Thread-safe: each reading thread gets its own decompression state and one-page cache, so
 * small reads within a page decompress it once. {@link PhysicalMemory#status(long)} does I/O (the
 * bitmaps and the descriptor are read in place) and wraps an I/O failure in
 * {@link java.io.UncheckedIOException}. Closing releases the files and every thread's codec state;
 * the dump must not be read afterwards.
 */
public final class KdumpVmcore implements Vmcore {
    /** Cap on RAM ranges taken from the memory bitmap; real machines have tens. */
    static final int MAX_RANGES = 1 << 20;

    private final List<KdumpFile> parts;
    private final KdumpFile first;
    private final String description;
    private final Architecture architecture;
    private final List<CpuState> cpus;
    private final KdumpPhysicalMemory memory;
    private final LazyKernelAddressSpace kernelAddressSpace = LazyKernelAddressSpace.of(this,
            "the dump has no VMCOREINFO; kernel address translation needs it");

    private KdumpVmcore(List<KdumpFile> parts, String description, Optional<Architecture> stated) throws IOException {
        this.parts = List.copyOf(parts);
        this.first = parts.get(0);
        this.description = description;
        Optional<Architecture> named = stated.isPresent() ? stated : first.architecture();
        this.architecture = named.orElseThrow(() -> first.error(HeaderLayout.OFF_UTSNAME,
                "cannot tell the architecture: utsname.machine is '" + first.header().utsname().machine()
                        + "' and no NT_PRSTATUS note has a known size (give it with OpenOptions.withArchitecture)"));
        this.cpus = PrStatus.decodeAll(architecture, first.byteOrder(), first.notes(), first.description());
        this.memory = new KdumpPhysicalMemory(this.parts);
    }

    /**
     * Opens one kdump-compressed file (or a flattened one holding kdump-compressed data).
     *
     * @param file the file
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    public static KdumpVmcore open(Path file) throws IOException {
        return openSplitSet(List.of(file));
    }

    /**
     * Opens a kdump-compressed file from {@code source}; on success the dump owns the source, on
     * failure the caller still does.
     *
     * @param source the bytes to read
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    public static KdumpVmcore open(RandomAccessSource source) throws IOException {
        return ofParts(List.of(KdumpFile.open(source)), source.description());
    }

    /**
     * Opens the files of a {@code makedumpfile --split} set as one dump, in any order; each may also
     * be flattened. A single, unsplit file is accepted too. The parts must agree on block size, byte
     * order, layout and {@code max_mapnr}, and their {@code [start_pfn, end_pfn)} ranges must not
     * overlap (a duplicated part is a {@link VmcoreFormatException}); frames no part holds (a set
     * that does not start at PFN 0, or lacks a part) are absent ({@code NOT_RAM}).
     *
     * @param files the files
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    public static KdumpVmcore openSplitSet(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files");
        }
        List<KdumpFile> parts = new ArrayList<>();
        try {
            for (Path p : files) {
                RandomAccessSource src = RandomAccessSource.open(p);
                try {
                    if (FlattenedSource.isFlattened(src)) {
                        src = FlattenedSource.open(src);
                    }
                    parts.add(KdumpFile.open(src));
                } catch (IOException | RuntimeException e) {
                    src.close();
                    throw e;
                }
            }
            String desc = files.size() == 1 ? files.get(0).toString()
                    : "split set " + files.get(0) + " (+" + (files.size() - 1) + ")";
            return ofParts(parts, desc);
        } catch (IOException | RuntimeException e) {
            for (KdumpFile f : parts) {
                try {
                    f.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Opens already-parsed files as one dump (a single file, or the parts of a split set in any
     * order); on success the dump owns them.
     *
     * @param files the files
     * @param description what the bytes are, for error messages
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    public static KdumpVmcore ofParts(List<KdumpFile> files, String description) throws IOException {
        return ofParts(files, description, Optional.empty());
    }

    /**
     * As {@link #ofParts(List, String)}, with the architecture the caller states (used instead of
     * the header's utsname and the size of the CPU notes).
     */
    static KdumpVmcore ofParts(List<KdumpFile> files, String description, Optional<Architecture> architecture)
            throws IOException {
        List<KdumpFile> parts = new ArrayList<>(files);
        // empty parts (start == end) sort before the part that shares their start
        parts.sort(Comparator.comparingLong(KdumpFile::startPfn).thenComparingLong(KdumpFile::endPfn));
        KdumpFile a = parts.get(0);
        if (parts.size() > 1) {
            for (KdumpFile f : parts) {
                if (!f.isSplit()) {
                    throw f.error(a.blockSize(), "a file of a split set has no split flag");
                }
                if (f.blockSize() != a.blockSize() || f.maxMapnr() != a.maxMapnr() || f.byteOrder() != a.byteOrder()
                        || f.layout() != a.layout()) {
                    throw f.error(0, "split part disagrees with " + a.description() + " on block size, byte order,"
                            + " layout or max_mapnr (" + f + " vs " + a + ")");
                }
            }
        }
        // Parts may leave frames to no part (a set that does not start at PFN 0, or lacks a part): those
        // frames are absent, as libkdumpfile reads such a set. Two parts holding one frame are refused.
        long expect = 0;
        for (KdumpFile f : parts) {
            if (f.startPfn() < expect) {
                throw new VmcoreFormatException(f.description(), -1, "the split set has PFNs [" + f.startPfn() + ", "
                        + Math.min(expect, f.endPfn()) + ") in two parts");
            }
            expect = f.endPfn();
        }
        return new KdumpVmcore(parts, description, architecture);
    }

    /**
     * {@return the file(s) of the dump, sorted by the first PFN each holds: one, or the parts of a
     * split set}
     */
    public List<KdumpFile> files() {
        return parts;
    }

    /** {@return the header of the (first) file} */
    public DiskDumpHeader header() {
        return first.header();
    }

    /** {@return the sub-header of the (first) file} */
    public KdumpSubHeader subHeader() {
        return first.subHeader();
    }

    /** The dump level the writer applied, from the sub-header. */
    @Override
    public int dumpLevel() {
        return first.subHeader().dumpLevel();
    }

    /** {@return {@code phys_base} from the sub-header} */
    public long physBase() {
        return first.subHeader().physBase();
    }

    /** The header's utsname and timestamp and the sub-header's phys_base. */
    @Override
    public Optional<HeaderFacts> headerFacts() {
        return Optional.of(new HeaderFacts(header().utsname(), header().timestampSeconds(), physBase()));
    }

    /** {@return the memory (1st) bitmap, for the whole machine} */
    public PageBitmap memoryBitmap() {
        return first.memoryBitmap();
    }

    /** {@return the dumpable (2nd) bitmap, for the whole machine} */
    public PageBitmap dumpableBitmap() {
        return first.dumpableBitmap();
    }

    /** {@return whether any part carries the INCOMPLETE flag} */
    public boolean incomplete() {
        return parts.stream().anyMatch(KdumpFile::incomplete);
    }

    /** The eraseinfo text of the first file that has one. */
    @Override
    public Optional<byte[]> eraseInfo() throws IOException {
        for (KdumpFile f : parts) {
            Optional<byte[]> e = f.eraseInfo();
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    /**
     * The page descriptor of {@code pfn} from the part that holds it, or empty if it has none.
     *
     * @param pfn a page frame number
     * @return the page descriptor of {@code pfn} from the part that holds it, or empty if it has none
     * @throws IOException if reading or writing fails
     */
    public Optional<PageDescriptor> pageDescriptor(long pfn) throws IOException {
        KdumpFile f = memory.partFor(pfn);
        return f == null ? Optional.empty() : f.descriptor(pfn);
    }

    @Override
    public String formatName() {
        return KdumpFormat.NAME;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public ByteOrder byteOrder() {
        return first.byteOrder();
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return first.vmcoreInfo();
    }

    @Override
    public byte[] noteSection() {
        return first.noteBlob();
    }

    @Override
    public List<Note> notes() {
        return first.notes();
    }

    @Override
    public List<CpuState> cpus() {
        return cpus;
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    /**
     * On x86_64, the kernel-text mapping the sub-header's {@code phys_base} implies
     * ({@code __START_KERNEL_map} 0xffffffff80000000 to {@code phys_base}, 1 GiB); the format states
     * no other mapping.
     */
    @Override
    public List<VirtualMapping> statedMappings() {
        if (first.header().headerVersion() >= 1) {
            return architecture.support().kernelTextMapping(first.subHeader().physBase());
        }
        return List.of();
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        return kernelAddressSpace.get();
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        memory.close();
        for (KdumpFile f : parts) {
            try {
                f.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "KdumpVmcore(" + description + ", " + parts.size() + " file(s), " + architecture + ")";
    }
}
