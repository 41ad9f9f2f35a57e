package org.vmcore4j.elf;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmcore4j.core.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.Note;
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

    private static final List<String> X86_64 = List.of(
            "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
            "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp", "ss", "fs_base", "gs_base",
            "ds", "es", "fs", "gs");
    private static final List<String> I386 = List.of(
            "ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax",
            "eip", "cs", "eflags", "esp", "ss");
    private static final List<String> AARCH64;

    static {
        List<String> a = new ArrayList<>();
        for (int i = 0; i <= 29; i++) {
            a.add("x" + i);
        }
        a.addAll(List.of("lr", "sp", "pc", "pstate"));
        AARCH64 = List.copyOf(a);
    }

    private PrStatus() {
    }

    /** Register names in {@code pr_reg} order; empty where the layout is not decoded. */
    public static List<String> registerNames(Architecture arch) {
        return switch (arch) {
            case X86_64 -> X86_64;
            case AARCH64 -> AARCH64;
            case X86 -> I386;
            default -> List.of();
        };
    }

    /** Offset of {@code pr_pid} in the descriptor. */
    public static int pidOffset(Architecture arch) {
        return arch.pointerSize() == 8 ? 32 : 24;
    }

    /** Offset of {@code pr_reg} in the descriptor. */
    public static int registersOffset(Architecture arch) {
        return arch.pointerSize() == 8 ? 112 : 72;
    }

    /**
     * The smallest descriptor this decoder accepts: through the last register where registers are
     * decoded, else through {@code pr_pid}. Shorter notes are malformed.
     */
    public static int minimumSize(Architecture arch) {
        List<String> names = registerNames(arch);
        return names.isEmpty() ? pidOffset(arch) + 4 : registersOffset(arch) + names.size() * arch.pointerSize();
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
        int pid = ElfNotes.getInt(d, pidOffset(arch), order);
        Map<String, Long> regs = new LinkedHashMap<>();
        List<String> names = registerNames(arch);
        int width = arch.pointerSize();
        int at = registersOffset(arch);
        for (String name : names) {
            long v = width == 8 ? ElfNotes.getLong(d, at, order) : Integer.toUnsignedLong(ElfNotes.getInt(d, at, order));
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
