package org.vmcore4j.cli.triage;

import java.util.Locale;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.arch.ArchitectureSupport;
import org.vmcore4j.core.arch.ArchitectureSupport.KernelStackLayout;

/**
 * The kernel stack of the task that ran on a CPU at the crash, found without symbols: the stack
 * pointer its NT_PRSTATUS note saved points into that stack (the crashing CPU saves its registers in
 * the kernel, in {@code crash_setup_regs}, on the crashing task's stack), and a task's stack is
 * {@code THREAD_SIZE} bytes aligned to its size, so it starts at the pointer rounded down. The pages
 * are read through the kernel's page tables (stacks are vmalloc'ed with CONFIG_VMAP_STACK), which
 * VMCOREINFO locates. A page the dump lacks is left zero and listed.
 *
 * @param cpu              the note's CPU index
 * @param pid              the note's pid
 * @param stackPointer     the saved stack pointer
 * @param base             the stack's lowest address
 * @param bytes            {@code THREAD_SIZE} bytes from {@code base}
 * @param missingPages     virtual addresses of the pages that could not be read (left zero)
 */
public record KernelStack(int cpu, int pid, long stackPointer, long base, byte[] bytes, List<Long> missingPages) {

    /**
     * Reads the stack of the task on {@code cpu}; empty with a reason where the architecture's stack
     * layout is not known or the saved pointer is not a kernel address (an idle or user-mode CPU).
     */
    public static Result read(Vmcore dump, CpuState cpu) {
        Optional<KernelStackLayout> layout = dump.architecture().support().kernelStackLayout();
        if (layout.isEmpty()) {
            return Result.failed("the kernel stack layout of " + dump.architecture().displayName() + " is not known");
        }
        OptionalLong sp = cpu.register(layout.get().stackPointerRegister());
        if (sp.isEmpty()) {
            return Result.failed("CPU " + cpu.cpu() + "'s note has no " + layout.get().stackPointerRegister());
        }
        long pointer = sp.getAsLong();
        if (Long.compareUnsigned(pointer, ArchitectureSupport.kernelHalf(dump.architecture())) < 0) {
            return Result.failed(String.format(Locale.ROOT, "CPU %d's saved %s 0x%x is not a kernel address", cpu.cpu(),
                    layout.get().stackPointerRegister(), pointer));
        }
        int size = layout.get().threadSize();
        long base = pointer & -(long) size;
        KernelAddressSpace kas;
        try {
            kas = dump.kernelAddressSpace();
        } catch (IOException e) {
            return Result.failed("no kernel address space: " + e.getMessage());
        }
        byte[] bytes = new byte[size];
        int page = dump.physicalMemory().pageSize();
        List<Long> missing = new ArrayList<>();
        for (int off = 0; off < size; off += page) {
            try {
                kas.read(base + off, bytes, off, Math.min(page, size - off));
            } catch (IOException | RuntimeException e) {
                missing.add(base + off);
            }
        }
        if (missing.size() * (long) page >= size) {
            return Result.failed(String.format(Locale.ROOT, "no page of the stack at 0x%x could be read", base));
        }
        return new Result(Optional.of(new KernelStack(cpu.cpu(), cpu.pid(), pointer, base, bytes, List.copyOf(missing))),
                Optional.empty());
    }

    /** A stack, or why there is none. */
    public record Result(Optional<KernelStack> stack, Optional<String> why) {
        static Result failed(String why) {
            return new Result(Optional.empty(), Optional.of(why));
        }
    }

    /** What was read, for the bundle's text file. */
    public String describe(String layoutName, int threadSize) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "cpu %d pid %d%n", cpu, pid));
        sb.append(String.format(Locale.ROOT, "stack pointer 0x%016x (%s from the CPU's NT_PRSTATUS note)%n", stackPointer, layoutName));
        sb.append(String.format(Locale.ROOT, "stack 0x%016x-0x%016x (THREAD_SIZE %d, the pointer rounded down to it)%n", base,
                base + threadSize, threadSize));
        sb.append(String.format(Locale.ROOT, "in use: %d bytes from the pointer to the top%n", base + threadSize - stackPointer));
        for (long m : missingPages) {
            sb.append(String.format(Locale.ROOT, "page 0x%016x not in the dump: left zero%n", m));
        }
        return sb.toString();
    }
}
