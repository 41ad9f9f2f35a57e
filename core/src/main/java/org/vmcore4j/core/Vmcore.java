package org.vmcore4j.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.internal.Notes;

/**
 * An opened crash dump, whatever its format: notes, CPUs, VMCOREINFO, physical memory and the
 * kernel's virtual address space. Open with {@link #open(Path, OpenOptions)} (or a split set, a
 * channel, a stream); close to release the file.
 *
 * <pre>{@code
 * try (Vmcore dump = Vmcore.open(Path.of("/proc/vmcore"), OpenOptions.defaults())) {
 *     byte[] buf = new byte[64];
 *     ReadResult r = dump.read(AddressSpace.KERNEL_VIRTUAL, address, buf, 0, buf.length);
 *     if (!r.isComplete()) {
 *         // r.outcome(): EXCLUDED, NOT_MAPPED, ...; the first r.bytesRead() bytes are good
 *     }
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One opened dump serves any number of threads at once: every method, and its
 * {@link PhysicalMemory} and {@link KernelAddressSpace}, may be called concurrently. The parts are
 * immutable values or keep their per-thread state (a kdump file's page cache and decompressors) to
 * themselves, so threads neither contend nor need a dump each, unlike libkdumpfile's contexts
 * ({@code kdump_clone}). Closing while other threads still read is a programming error: their reads
 * may fail.
 *
 * <p><b>Failures.</b> Opening throws {@link VmcoreFormatException} for a damaged or unknown file,
 * {@link UnsupportedDumpException} for a sound dump vmcore4j does not handle, and plain
 * {@link IOException} for the file system's errors. Reads either throw
 * {@link MemoryAccessException} for memory the dump does not hold ({@link PhysicalMemory#read},
 * {@link KernelAddressSpace#read}) or say so in a {@link ReadResult}
 * ({@link #read(AddressSpace, long, byte[], int, int)}).
 */
public interface Vmcore extends Closeable {

    /**
     * Opens {@code file} with {@link OpenOptions#defaults()}.
     *
     * @param file the file
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore open(Path file) throws IOException {
        return open(file, OpenOptions.defaults());
    }

    /**
     * Opens {@code file}, detecting its format among the installed {@link VmcoreFormat}s, read as
     * {@code options} say and with the architecture or VMCOREINFO they supply.
     *
     * @param file the file
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore open(Path file, OpenOptions options) throws IOException {
        return open(List.of(file), options);
    }

    /**
     * Opens the parts of one dump: a single file, or every file of a split set in any order (each
     * may be flattened).
     *
     * @param parts the parts of one dump
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore open(List<Path> parts, OpenOptions options) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no dump file given");
        }

        List<RandomAccessSource> sources = new ArrayList<>();
        try {
            for (Path p : parts) {
                sources.add(Sources.open(p, options.readMode()));
            }
            return openParts(sources, options);
        } catch (IOException | RuntimeException | Error e) {
            for (RandomAccessSource s : sources) {
                try {
                    s.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Opens the dump a caller's channel reads (a file it opened, one in a zip file system); on
     * success the dump owns the channel and closes it, on failure the caller still does. Reads are
     * positional ({@link FileChannel#read(java.nio.ByteBuffer, long)}), so the channel may be read by
     * many threads; the dump's size is read once and must not change. {@link OpenOptions#readMode()}
     * does not apply: nothing is mapped.
     *
     * @param channel the open channel, which the dump owns on success
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @param description what the channel reads, named in error messages
     * @throws VmcoreFormatException    if the bytes are no dump of an installed format, or damaged
     * @throws UnsupportedDumpException if the dump is sound but uses what vmcore4j does not handle
     * @throws IOException              if reading fails
     */
    static Vmcore open(FileChannel channel, String description, OpenOptions options) throws IOException {
        return open(ChannelSource.of(channel, description), options);
    }

    /**
     * Opens a dump that arrives as a stream: a flattened {@code makedumpfile -F} stream on standard
     * input (what {@code makedumpfile -R} would rebuild), or any dump file sent through a pipe. The
     * stream is read to its end into a temporary file in {@code spoolDirectory}, which the dump
     * reads and deletes when closed (at once if opening fails): it needs as much free space as the
     * stream is long. The caller keeps the stream and closes it.
     *
     * @param stream the bytes of the dump, read to their end
     * @param spoolDirectory where the temporary copy goes
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws VmcoreFormatException if the bytes are no dump of an installed format, or damaged
     * @throws IOException           if reading the stream or writing the temporary file fails
     */
    static Vmcore open(InputStream stream, Path spoolDirectory, OpenOptions options) throws IOException {
        return SpooledStream.open(stream, spoolDirectory, options);
    }

    /**
     * Opens a source with {@link OpenOptions#defaults()}; on success the dump owns it.
     *
     * @param source the bytes to read
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore open(RandomAccessSource source) throws IOException {
        return open(source, OpenOptions.defaults());
    }

    /**
     * Opens a source; on success the dump owns it, on failure the caller still does.
     *
     * @param source the bytes to read
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException {
        return openParts(List.of(source), options);
    }

    /**
     * Opens the sources of one dump (one, or the parts of a split set); on success the dump owns
     * them, on failure the caller still does.
     *
     * @param parts the parts of one dump
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    static Vmcore openParts(List<RandomAccessSource> parts, OpenOptions options) throws IOException {
        RandomAccessSource first = parts.get(0);
        if (options.rawRanges().isPresent()) {
            if (parts.size() != 1) {
                throw new IllegalArgumentException("a raw memory image is one file, not " + parts.size());
            }
            return finishOpen(new RawImageVmcore(first, options), options);
        }
        List<String> tried = new ArrayList<>();
        for (VmcoreFormat format : ServiceLoader.load(VmcoreFormat.class, Vmcore.class.getClassLoader())) {
            if (format.probe(first)) {
                return finishOpen(format.openParts(parts, options), options);
            }
            tried.add(format.name());
        }
        throw new VmcoreFormatException(first.description(), 0,
                "not a crash dump of any known format (tried: " + String.join(", ", tried) + ")");
    }

    /**
     * A format's dump as {@code options} ask to see it: a whole-machine image holding a kexec capture
     * as the crashed kernel's memory, the caller's architecture or VMCOREINFO in place of the dump's.
     * If that fails, whoever owns the sources closes them.
     */
    private static Vmcore finishOpen(Vmcore dump, OpenOptions options) throws IOException {
        Vmcore seen = WholeMachineVmcore.inspect(dump, options.backupRegionRemap());
        return options.overridesDump() ? new OverriddenVmcore(seen, options) : seen;
    }

    /** {@return the format's short name ({@link VmcoreFormat#name()})} */
    String formatName();

    /** {@return the file this dump was opened from} */
    String description();

    /**
     * The crashed machine's architecture (the caller's, where {@link OpenOptions#withArchitecture} set
     * one).
     *
     * @return the architecture
     */
    Architecture architecture();

    /** {@return the byte order}. The crashed machine's byte order. */
    ByteOrder byteOrder();

    /** {@return the VMCOREINFO note, if the dump has one} */
    Optional<VmcoreInfo> vmcoreInfo();

    /** {@return every note of the dump, in file order} */
    List<Note> notes();

    /**
     * The note section as the dump stores it (the PT_NOTE segments' bytes, or a kdump file's note
     * area), which a writer copies verbatim. The default re-encodes {@link #notes()} in the
     * standard ELF note layout (4-byte aligned name and descriptor) in the dump's byte order.
     *
     * @return the note section as the dump stores it (the PT_NOTE segments' bytes, or a kdump
     *         file's note area), which a writer copies verbatim
     */
    default byte[] noteSection() {
        return Notes.encode(notes(), byteOrder());
    }

    /**
     * {@return the makedumpfile dump level that already filtered this dump (a kdump-compressed file's
     * header states it); 0 where nothing was left out, as for /proc/vmcore}
     */
    default int dumpLevel() {
        return 0;
    }

    /**
     * The eraseinfo text ({@code erase <symbol> size <n>} lines) the dump carries, if any.
     *
     * @return the eraseinfo text ({@code erase <symbol> size <n>} lines) the dump carries, if any
     * @throws IOException if reading or writing fails
     */
    default Optional<byte[]> eraseInfo() throws IOException {
        return Optional.empty();
    }

    /**
     * Whether the dump's memory is laid out by ELF PT_LOAD segments, each a run of physical memory
     * with its virtual address, as /proc/vmcore is; such a dump holds every page of its ranges.
     * False for a kdump-compressed dump, whose memory follows bitmaps.
     *
     * @return whether the dump's memory is laid out by ELF PT_LOAD segments, each a run of
     *         physical memory with its virtual address, as /proc/vmcore is; such a dump holds
     *         every page of its ranges
     */
    default boolean describesMemoryWithLoadSegments() {
        return false;
    }

    /**
     * {@return what the dump's own header states about the crashed kernel (a kdump-compressed file
     * records utsname, crash time and phys_base); empty for formats without such a header}
     */
    default Optional<HeaderFacts> headerFacts() {
        return Optional.empty();
    }

    /**
     * For an image of a whole machine's memory (QEMU or virsh memory dump, raw image): whether it holds
     * a kexec capture and whether the dump is seen as the crashed kernel's memory. Empty for a kernel's
     * own dump of itself (/proc/vmcore, makedumpfile output).
     *
     * @return for an image of a whole machine's memory (QEMU or virsh memory dump, raw image): whether it holds a kexec capture and whether the dump is seen as the crashed kernel's memory
     */
    default Optional<WholeMachineImage> wholeMachineImage() {
        return Optional.empty();
    }

    /** {@return one entry per NT_PRSTATUS note, in note order} */
    List<CpuState> cpus();

    /**
     * {@return the physical memory; the same object on every call}. The crashed machine's physical
     * memory as the dump holds it.
     */
    PhysicalMemory physicalMemory();

    /** {@return virtual-to-physical mappings the dump's headers state (empty where the format has none)} */
    List<VirtualMapping> statedMappings();

    /**
     * The crashed kernel's virtual address space, built from VMCOREINFO on first use.
     *
     * @return the crashed kernel's virtual address space, built from VMCOREINFO on first use
     * @throws VmcoreFormatException if the dump has no VMCOREINFO or it lacks what translation needs
     */
    KernelAddressSpace kernelAddressSpace() throws IOException;

    /**
     * Reads up to {@code len} bytes at {@code address} in {@code space} into {@code dst[off..off+len)}
     * and says how many it read and why it stopped (libkdumpfile's {@code kdump_read}): a page left
     * out by filtering, lost in an incomplete dump, not RAM, not mapped, or stored corrupt is an
     * answer, not an exception. {@link PhysicalMemory#read} and {@link KernelAddressSpace#read} are
     * the throwing twins for callers that need every byte.
     *
     * @param space which kind of address {@code address} is
     * @param address the address to read, in {@code space}
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @return the value read
     * @throws VmcoreFormatException if {@code space} is {@link AddressSpace#KERNEL_VIRTUAL} and the
     *                               dump has no VMCOREINFO or lacks what translation needs
     * @throws IOException           if reading the file itself fails
     */
    default ReadResult read(AddressSpace space, long address, byte[] dst, int off, int len) throws IOException {
        return switch (space) {
            case PHYSICAL -> physicalMemory().readAvailable(address, dst, off, len);
            case KERNEL_VIRTUAL -> kernelAddressSpace().readAvailable(address, dst, off, len);
        };
    }
}
