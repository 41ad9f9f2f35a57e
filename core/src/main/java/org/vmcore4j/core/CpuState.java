package org.vmcore4j.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One CPU's state at the crash, from its NT_PRSTATUS note: the task that ran there and its general
 * registers, named as libkdumpfile names them (x86_64: {@code rip},
 * {@code rsp}, {@code rflags}, ... {@code gs_base}; aarch64: {@code x0} .. {@code x29}, {@code lr}, {@code sp},
 * {@code pc}, {@code pstate}), in the order of the note.
 *
 * @param cpu       index of the note among the dump's NT_PRSTATUS notes (the kernel writes one per
 *            CPU, in CPU order)
 * @param pid       {@code pr_pid}: the task running on that CPU (0 for the idle task)
 * @param registers register name to value
 */
public record CpuState(int cpu, int pid, Map<String, Long> registers) {
    /**
     * Copies the registers, keeping their order.
     *
     * @param cpu index of the note among the dump's NT_PRSTATUS notes (the kernel writes one per
     *            CPU, in CPU order)
     * @param pid {@code pr_pid}: the task running on that CPU (0 for the idle task)
     * @param registers register name to value
     */
    public CpuState {
        registers = Collections.unmodifiableMap(new LinkedHashMap<>(registers));
    }

    /**
     * The value of register {@code name}, if the note has it.
     *
     * @param name the name to look up
     * @return the value of register {@code name}, if the note has it
     */
    public OptionalLong register(String name) {
        Long v = registers.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
