package org.vmcore4j.core;

import org.vmcore4j.core.arch.Architecture;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * An opened crash dump, whatever its format: notes, CPUs, VMCOREINFO, physical memory and the
 * kernel's virtual address space. Open with {@link #open(Path)}; close to release the file.
 * The parts are immutable or thread-safe for reads.
 */
public interface Vmcore extends Closeable {

    /** Opens {@code file}, detecting its format among the installed {@link VmcoreFormat}s. */
    static Vmcore open(Path file) throws IOException {
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

    /** Opens a source; on success the dump owns it. */
    static Vmcore open(RandomAccessSource source) throws IOException {
        List<String> tried = new ArrayList<>();
        for (VmcoreFormat format : ServiceLoader.load(VmcoreFormat.class, Vmcore.class.getClassLoader())) {
            if (format.probe(source)) {
                return format.open(source);
            }
            tried.add(format.name());
        }
        throw new VmcoreFormatException(source.description(), 0,
                "not a crash dump of any known format (tried: " + String.join(", ", tried) + ")");
    }

    /** The format's short name ({@link VmcoreFormat#name()}). */
    String formatName();

    /** The file this dump was opened from. */
    String description();

    Architecture architecture();

    ByteOrder byteOrder();

    /** The VMCOREINFO note, if the dump has one. */
    Optional<VmcoreInfo> vmcoreInfo();

    /** Every note of the dump, in file order. */
    List<Note> notes();

    /**
     * The note section as the dump stores it (the PT_NOTE segments' bytes, or a kdump file's note
     * area), which a writer copies verbatim. The default re-encodes {@link #notes()} in the
     * standard ELF note layout (4-byte aligned name and descriptor) in the dump's byte order.
     */
    default byte[] noteSection() {
        int total = 0;
        for (Note n : notes()) {
            total += 12 + align4(n.name().length() + 1) + align4(n.descriptor().length);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(total).order(byteOrder());
        for (Note n : notes()) {
            byte[] name = n.name().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            b.putInt(name.length + 1).putInt(n.descriptor().length).putInt(n.type());
            b.put(name).position(b.position() + align4(name.length + 1) - name.length);
            b.put(n.descriptor()).position(b.position() + align4(n.descriptor().length) - n.descriptor().length);
        }
        return b.array();
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    /** One entry per NT_PRSTATUS note, in note order. */
    List<CpuState> cpus();

    PhysicalMemory physicalMemory();

    /** Virtual-to-physical mappings the dump's headers state (empty where the format has none). */
    List<VirtualMapping> statedMappings();

    /**
     * The crashed kernel's virtual address space, built from VMCOREINFO on first use.
     *
     * @throws VmcoreFormatException if the dump has no VMCOREINFO or it lacks what translation needs
     */
    KernelAddressSpace kernelAddressSpace() throws IOException;
}
