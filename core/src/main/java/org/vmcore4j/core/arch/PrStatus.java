package org.vmcore4j.core.arch;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.internal.Notes;
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
 * aarch64 {@code x0 .. x29, lr, sp, pc, pstate}, i386 {@code ebx .. ss} with {@code eflags}, ppc64
 * {@code r0 .. r31, pc, msr, ..., res}, riscv64 {@code pc, ra, sp, ..., t6}, s390x {@code pswm, pswa,
 * r0 .. r15, a0 .. a15, orig_gpr2} (see {@link PrStatusLayout}). Registers are zero-extended to 64 bits.
 */
public final class PrStatus {
    /** Owner name of the kernel's NT_PRSTATUS notes. */
    public static final String NOTE_NAME = "CORE";

    private PrStatus() {
    }

    /**
     * Register names in {@code pr_reg} order (see {@link PrStatusLayout}).
     *
     * @param arch the architecture
     * @return register names in {@code pr_reg} order (see {@link PrStatusLayout})
     */
    public static List<String> registerNames(Architecture arch) {
        return PrStatusLayout.of(arch).stream().map(PrStatusLayout.Register::name).toList();
    }

    /**
     * Offset of {@code pr_pid} in the descriptor.
     *
     * @param arch the architecture
     * @return offset of {@code pr_pid} in the descriptor
     */
    public static int pidOffset(Architecture arch) {
        return arch.pointerSize() == 8 ? 32 : 24;
    }

    /**
     * Offset of {@code pr_reg} in the descriptor.
     *
     * @param arch the architecture
     * @return offset of {@code pr_reg} in the descriptor
     */
    public static int registersOffset(Architecture arch) {
        return arch.pointerSize() == 8 ? 112 : 72;
    }

    /**
     * The smallest descriptor this decoder accepts: through the last register where registers are
     * decoded, else through {@code pr_pid}. Shorter notes are malformed.
     *
     * @param arch the architecture
     * @return the smallest descriptor this decoder accepts: through the last register where
     *         registers are decoded, else through {@code pr_pid}
     */
    public static int minimumSize(Architecture arch) {
        int end = pidOffset(arch) + 4;
        for (PrStatusLayout.Register r : PrStatusLayout.of(arch)) {
            end = Math.max(end, r.offset() + r.width());
        }
        return end;
    }

    /**
     * Whether {@code note} is an NT_PRSTATUS note ({@code "CORE"}, type 1).
     *
     * @param note the note
     * @return whether {@code note} is an NT_PRSTATUS note ({@code "CORE"}, type 1)
     */
    public static boolean isPrStatus(Note note) {
        return note.is(NOTE_NAME, Note.NT_PRSTATUS);
    }

    /**
     * Decodes one NT_PRSTATUS descriptor.
     *
     * @param arch the architecture
     * @param order the byte order
     * @param note the note
     * @return the cpu state
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
        for (PrStatusLayout.Register r : PrStatusLayout.of(arch)) {
            long v = r.width() == 8 ? Notes.getLong(d, r.offset(), order)
                    : Integer.toUnsignedLong(Notes.getInt(d, r.offset(), order));
            regs.put(r.name(), v);
        }
        return new CpuState(cpu, pid, regs);
    }

    /**
     * Decodes every NT_PRSTATUS note of {@code notes}, numbering CPUs in note order.
     *
     * @param arch the architecture
     * @param order the byte order
     * @param notes the notes
     * @param resource the file or stream, for the message
     * @return the list
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
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
