package org.vmcore4j.core.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each register lies in an architecture's {@code struct elf_prstatus} ({@code pr_reg} and the
 * fields before it), named as libkdumpfile names its {@code cpu.N.reg.*} attributes (its
 * src/kdumpfile/&lt;arch&gt;.c: x86_64, aarch64, i386, ppc64, riscv64, s390x), so the two compare
 * name by name. 64-bit kernels have {@code pr_pid} at 32 and {@code pr_reg} at 112, i386 at 24 and
 * 72. Every architecture vmcore4j knows is decoded; an empty layout would mean "not decoded".
 */
final class PrStatusLayout {
    /** One register: its name, offset in the descriptor and width in bytes (4 or 8). */
    record Register(String name, int offset, int width) {
    }

    private static final List<Register> X86_64 = uniform(112, 8, List.of(
            "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
            "rsi", "rdi", "orig_rax", "rip", "cs", "rflags", "rsp", "ss", "fs_base", "gs_base",
            "ds", "es", "fs", "gs"));
    private static final List<Register> I386 = uniform(72, 4, List.of(
            "ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax",
            "eip", "cs", "eflags", "esp", "ss"));
    private static final List<Register> AARCH64 = uniform(112, 8, concat(numbered("x", 30),
            List.of("lr", "sp", "pc", "pstate")));
    /** ppc64 {@code pr_reg[48]}: libkdumpfile names the first 44 (ppc64.c). */
    private static final List<Register> PPC64 = uniform(112, 8, concat(numbered("r", 32), List.of(
            "pc", "msr", "or3", "ctr", "lr", "xer", "ccr", "softe", "trap", "dar", "dsisr", "res")));
    /** riscv64 {@code pr_reg[33]}: pc, then x1..x31 by their ABI names (riscv64.c names the first 32). */
    private static final List<Register> RISCV64 = uniform(112, 8, List.of(
            "pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
            "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"));
    /**
     * s390x {@code struct elf_s390_regs} at 112 (s390x.c): the PSW mask and address, 16 64-bit
     * general registers, 16 32-bit access registers, then {@code orig_gpr2}.
     */
    private static final List<Register> S390X;

    static {
        List<Register> s = new ArrayList<>(uniform(112, 8, concat(List.of("pswm", "pswa"), numbered("r", 16))));
        s.addAll(uniform(256, 4, numbered("a", 16)));
        s.add(new Register("orig_gpr2", 320, 8));
        S390X = List.copyOf(s);
    }

    private PrStatusLayout() {
    }

    /** The registers of {@code arch}'s NT_PRSTATUS in descriptor order. */
    static List<Register> of(Architecture arch) {
        return switch (arch) {
            case X86_64 -> X86_64;
            case AARCH64 -> AARCH64;
            case X86 -> I386;
            case PPC64 -> PPC64;
            case RISCV64 -> RISCV64;
            case S390X -> S390X;
        };
    }

    private static List<Register> uniform(int offset, int width, List<String> names) {
        List<Register> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(new Register(names.get(i), offset + i * width, width));
        }
        return List.copyOf(out);
    }

    private static List<String> numbered(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
