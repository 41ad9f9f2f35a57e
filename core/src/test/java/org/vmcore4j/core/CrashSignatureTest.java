package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The crash signature read from logs as kernels print them, and its normalisation. */
class CrashSignatureTest {

    /** A log whose records are the given lines, each from caller {@code T<pid>} unless it starts with "@Cn ". */
    static Dmesg log(int pid, String... lines) {
        List<Dmesg.Record> records = new ArrayList<>();
        long t = 1_000_000;
        for (String l : lines) {
            int caller = pid;
            if (l.startsWith("@C")) {
                caller = 0x80000000 | Integer.parseInt(l.substring(2, l.indexOf(' ')));
                l = l.substring(l.indexOf(' ') + 1);
            }
            records.add(new Dmesg.Record(t++, 4, 0, true, caller, l.getBytes(StandardCharsets.UTF_8)));
        }
        return new Dmesg(Dmesg.Source.LOCKLESS_RINGBUFFER, records, true, null, null);
    }

    static List<CpuState> cpus(int... pids) {
        List<CpuState> out = new ArrayList<>();
        for (int i = 0; i < pids.length; i++) {
            out.add(new CpuState(i, pids[i], Map.of("rsp", 0L)));
        }
        return out;
    }

    static final String[] NULL_DEREF_61 = {
        "BUG: kernel NULL pointer dereference, address: 0000000000000008",
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0002) - not-present page",
        "PGD 0 P4D 0 ",
        "Oops: 0002 [#1] PREEMPT SMP NOPTI",
        "CPU: 1 PID: 321 Comm: modprobe Tainted: G           OE      6.1.0-57-amd64 #1  Debian 6.1.192-3",
        "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)",
        "RIP: 0010:crash_init.isra.0+0x12/0x30 [crasher]",
        "Code: 00 00 <c7> 04 25",
        "RSP: 0018:ffffb0e1c0573c58 EFLAGS: 00010246",
        "Call Trace:",
        " <TASK>",
        " ? __die+0x23/0x70",
        " ? page_fault_oops+0x171/0x4e0",
        " do_one_initcall+0x56/0x220",
        " do_init_module+0x4a/0x200",
        " __do_sys_finit_module+0xac/0x120",
        " do_syscall_64+0x5d/0xb0",
        " entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
        " </TASK>",
        "Modules linked in: crasher(OE+)",
        "CR2: 0000000000000008",
        "---[ end trace 0000000000000000 ]---",
        "Kernel panic - not syncing: Fatal exception",
    };

    @Test
    void oopsGivesItsHeadlineFaultingFunctionTaintAndTrace() {
        CrashSignature s = CrashSignature.of(Optional.of(log(321, NULL_DEREF_61)), cpus(0, 321), Optional.empty());
        assertEquals(OptionalInt.of(1), s.crashingCpu());
        assertEquals(OptionalInt.of(321), s.crashingPid());
        assertEquals(OptionalInt.of(1), s.cpuFromNotes());
        assertEquals("BUG: kernel NULL pointer dereference, address: 0000000000000008", s.headline().orElseThrow());
        assertEquals("Fatal exception", s.panicMessage().orElseThrow());
        assertEquals("G OE", s.taint().orElseThrow());
        assertEquals("6.1.0-57-amd64", s.release().orElseThrow());
        assertEquals(7, s.callTrace().size(), s.callTrace().toString());
        assertEquals(List.of("crash_init", "do_one_initcall", "do_init_module", "__do_sys_finit_module", "do_syscall_64",
                "entry_SYSCALL_64_after_hwframe"), s.normalisedFrames());
    }

    @Test
    void sameCauseInAnotherBuildWithOtherAddressesAndInterleavedMessagesHashesTheSame() {
        String[] other = NULL_DEREF_61.clone();
        other[0] = "BUG: kernel NULL pointer dereference, address: 0000000000000010";
        other[5] = "CPU: 0 UID: 0 PID: 99 Comm: modprobe Tainted: G OE 6.12.118+deb12-amd64 #1  Debian";
        other[7] = "RIP: 0010:crash_init.cold+0x1f/0x40 [crasher]";
        other[14] = " do_one_initcall+0x60/0x2a0";
        List<String> lines = new ArrayList<>(List.of(other));
        lines.add(13, "@C1 another CPU's message");
        lines.add(14, " ? some_stale_return_address+0x10/0x20");
        CrashSignature a = CrashSignature.of(Optional.of(log(321, NULL_DEREF_61)), cpus(0, 321), Optional.empty());
        CrashSignature b = CrashSignature.of(Optional.of(log(99, lines.toArray(String[]::new))), cpus(99, 0),
                Optional.of("6.12.118+deb12-amd64"));
        assertEquals(a.normalisedFrames(), b.normalisedFrames());
        assertEquals(a.hash(), b.hash());
        assertEquals(OptionalInt.of(0), b.crashingCpu());
        assertEquals("6.12.118+deb12-amd64", b.release().orElseThrow());
    }

    @Test
    void panicFromAnotherPathHashesDifferently() {
        CrashSignature sysrq = CrashSignature.of(Optional.of(log(196,
                "sysrq: Trigger a crash",
                "Kernel panic - not syncing: sysrq triggered crash",
                "CPU: 0 PID: 196 Comm: sh Kdump: loaded Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x44/0x5c", " panic+0x118/0x2f4", " ? _printk+0x68/0x83",
                " sysrq_handle_crash+0x16/0x20", " __handle_sysrq.cold+0x44/0x11c", " </TASK>")),
                cpus(196, 0), Optional.empty());
        CrashSignature init = CrashSignature.of(Optional.of(log(1,
                "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
                "CPU: 0 PID: 1 Comm: init Kdump: loaded Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x44/0x5c", " panic+0x118/0x2f4", " do_exit.cold+0x15/0x15",
                " do_group_exit+0x2d/0x80", " </TASK>")),
                cpus(1, 0), Optional.empty());
        assertEquals(List.of("sysrq_handle_crash", "__handle_sysrq"), sysrq.normalisedFrames());
        assertEquals("", sysrq.taint().orElseThrow());
        assertEquals(List.of("do_exit", "do_group_exit"), init.normalisedFrames());
        assertNotEquals(sysrq.hash(), init.hash());
    }

    @Test
    void withoutAReportTheNotesSingleOutTheOnlyBusyCpu() {
        CrashSignature s = CrashSignature.of(Optional.empty(), cpus(0, 57), Optional.of("6.1.0"));
        assertEquals(OptionalInt.of(1), s.crashingCpu());
        assertTrue(s.hash().isEmpty());
        assertTrue(CrashSignature.of(Optional.empty(), cpus(5, 57), Optional.empty()).crashingCpu().isEmpty());
    }
}
