package org.vmcore4j.core.arch;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.Notes;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Decodes NT_PRSTATUS notes (the kernel's {@code struct elf_prstatus}, one per CPU) into
 * {@link CpuState}s.
 *
 * <p>The layout is the crashed kernel's, so it follows the {@link Architecture}, not the ELF class
 * (an x86_64 kernel may be dumped with ELF32 headers, an i386 one with ELF64 headers). Offsets:
 * 64-bit kernels have {@code pr_pid} at 32 and {@code pr_reg} at 112; i386 has {@code pr_pid} at 24
 * and {@code pr_reg} at 72. Register names are the ones libkdumpfile gives its {@code cpu.N.reg.*}
 * attributes, so the two can be compared name by name: x86_64 {@code r15 .. gs} with {@code rflags},
 * aarch64 {@code x0 .. x29, lr, sp, pc, pstate}, i386 {@code ebx .. ss} with {@code eflags}.
 * Registers are zero-extended to 64 bits.
 *
 * <p>For architectures whose register layout is not decoded here (ppc64, s390x, riscv64) only
 * {@code pr_pid} is read, and the register map is empty.
 */
public final class PrStatus {
    /** Owner name of the kernel's NT_PRSTATUS notes. */
    public static final String NOTE_NAME = "CORE";

    private PrStatus() {
    }

    /** Register names in {@code pr_reg} order; empty where the layout is not decoded. */
    public static List<String> registerNames(Architecture arch) {
        return arch.support().prStatusRegisterNames();
    }

    /** Offset of {@code pr_pid} in the descriptor. */
    public static int pidOffset(Architecture arch) {
        return arch.support().prStatusPidOffset();
    }

    /** Offset of {@code pr_reg} in the descriptor. */
    public static int registersOffset(Architecture arch) {
        return arch.support().prStatusRegistersOffset();
    }

    /**
     * The smallest descriptor this decoder accepts: through the last register where registers are
     * decoded, else through {@code pr_pid}. Shorter notes are malformed.
     */
    public static int minimumSize(Architecture arch) {
        List<String> names = registerNames(arch);
        return names.isEmpty() ? pidOffset(arch) + 4 : registersOffset(arch) + names.size() * arch.support().prStatusRegisterWidth();
    }

    /** Whether {@code note} is an NT_PRSTATUS note ({@code "CORE"}, type 1). */
    public static boolean isPrStatus(Note note) {
        return note.is(NOTE_NAME, Note.NT_PRSTATUS);
    }

    /**
     * Decodes one NT_PRSTATUS descriptor.
     *
     * @param cpu      the index to record (the note's position among the dump's NT_PRSTATUS notes)
     * @param resource the dump file, for error messages
     * @throws VmcoreFormatException if the descriptor is shorter than {@link #minimumSize(Architecture)}
     */
    public static CpuState decode(Architecture arch, ByteOrder order, Note note, int cpu, String resource)
            throws VmcoreFormatException {
        byte[] d = note.descriptor();
        int need = minimumSize(arch);
        if (d.length < need) {
            throw new VmcoreFormatException(resource, note.descriptorOffset(),
                    "NT_PRSTATUS note of CPU " + cpu + " has " + d.length + " bytes; " + arch
                            + " needs at least " + need);
        }
        int pid = Notes.getInt(d, pidOffset(arch), order);
        Map<String, Long> regs = new LinkedHashMap<>();
        List<String> names = registerNames(arch);
        int width = arch.support().prStatusRegisterWidth();
        int at = registersOffset(arch);
        for (String name : names) {
            long v = width == 8 ? Notes.getLong(d, at, order) : Integer.toUnsignedLong(Notes.getInt(d, at, order));
            regs.put(name, v);
            at += width;
        }
        return new CpuState(cpu, pid, regs);
    }

    /** Decodes every NT_PRSTATUS note of {@code notes}, numbering CPUs in note order. */
    public static List<CpuState> decodeAll(Architecture arch, ByteOrder order, List<Note> notes, String resource)
            throws VmcoreFormatException {
        List<CpuState> cpus = new ArrayList<>();
        for (Note n : notes) {
            if (isPrStatus(n)) {
                cpus.add(decode(arch, order, n, cpus.size(), resource));
            }
        }
        return List.copyOf(cpus);
    }
}
