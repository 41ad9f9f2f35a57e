package org.vmcore4j.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What crashed, read from the dump alone (no vmlinux): the kernel's own report in its log (the
 * last {@code CPU: N PID: P} block, its headline, its call trace) checked against the CPUs'
 * NT_PRSTATUS notes, and a hash of the normalised call trace that stays the same for the same
 * cause across reboots, KASLR offsets and kernel builds.
 *
 * <h2>Normalisation (signature version {@value #VERSION})</h2>
 * <ol>
 *   <li>Frames the kernel marks unreliable ({@code ? func+0x..}) are dropped: they are stale
 *       return addresses left on the stack, which differ from run to run.</li>
 *   <li>Each frame keeps its function name only: the offset and size ({@code +0x16/0x20}) change
 *       with every build, the address (older kernels' {@code [<ffffffff...>]}) with KASLR too.
 *       Compiler clone suffixes ({@code .cold}, {@code .constprop.0}, {@code .isra.0},
 *       {@code .part.0}, ...) are cut at the first dot, since C names have none. A module frame
 *       keeps its module ({@code func [mod]}).</li>
 *   <li>Where the oops names a kernel-mode {@code RIP: 0010:func+...}, that function is the first
 *       frame (the call trace starts at its caller).</li>
 *   <li>The reporting machinery at the top of the trace (dump_stack, panic, the oops and trap
 *       handlers listed in {@link #REPORTING_FRAMES}) is dropped: which of them appear depends on
 *       the kernel version, not the cause.</li>
 *   <li>At most {@value #HASHED_FRAMES} frames are kept: deeper frames say how the path was
 *       entered (system call entry, interrupt), which varies between kernel versions.</li>
 *   <li>The headline (the oops's first line, or {@code Kernel panic - not syncing: ...}) is
 *       hashed with the frames, with every hexadecimal run of 4+ digits and every decimal number
 *       replaced by {@code #} (addresses, error codes, pids).</li>
 * </ol>
 * The hash is the first 16 hex digits of SHA-256 over {@code "v1\n" + headline + "\n"} and one
 * {@code frame + "\n"} per kept frame.
 *
 * @param crashingCpu      the CPU the log's report names ({@code CPU: N}), else the one the notes
 *                         single out (see {@link #cpuFromNotes})
 * @param crashingPid      the pid the log's report names ({@code PID: P})
 * @param cpuFromNotes     the NT_PRSTATUS note (its index, the CPU number) of the crashing task:
 *                         the one whose {@code pr_pid} is the report's pid, or without a report the
 *                         only one running a task other than idle
 * @param headline         the first line of the last report: the oops headline ({@code BUG: ...},
 *                         {@code general protection fault ...}) or {@code Kernel panic - not syncing: ...}
 * @param panicMessage     the text after {@code Kernel panic - not syncing: } in the last such line
 * @param callTrace        the report's call-trace lines as printed ({@code func+0x16/0x20}, with
 *                         {@code ? } for unreliable frames)
 * @param release          the kernel release (VMCOREINFO's OSRELEASE, else the report's)
 * @param taint            the report's taint flags ({@code Tainted: G  D W} without the prefix),
 *                         empty string for {@code Not tainted}
 * @param normalisedFrames the frames hashed, after the normalisation above
 * @param hash             the signature hash, empty where the log has no report
 */
public record CrashSignature(OptionalInt crashingCpu, OptionalInt crashingPid, OptionalInt cpuFromNotes,
        Optional<String> headline, Optional<String> panicMessage, List<String> callTrace, Optional<String> release,
        Optional<String> taint, List<String> normalisedFrames, Optional<String> hash) {

    /** Version of the normalisation; part of the hashed text, so a change of rules changes every hash. */
    public static final int VERSION = 1;
    static final int HASHED_FRAMES = 6;

    /** Frames that report a crash rather than cause it, dropped from the top of a trace. */
    static final Set<String> REPORTING_FRAMES = Set.of("dump_stack", "dump_stack_lvl", "show_stack", "show_trace_log_lvl",
            "panic", "vpanic", "nmi_panic", "__warn", "report_bug", "handle_bug", "exc_invalid_op", "asm_exc_invalid_op",
            "die", "__die", "oops_end", "page_fault_oops", "kernelmode_fixup_or_oops", "no_context",
            "__bad_area_nosemaphore", "bad_area_nosemaphore", "exc_page_fault", "asm_exc_page_fault", "do_trap",
            "do_error_trap", "die_addr", "exc_general_protection", "asm_exc_general_protection", "_printk", "printk");

    private static final String PANIC = "Kernel panic - not syncing: ";
    /** {@code CPU: 1 UID: 0 PID: 244 Comm: sh Kdump: loaded Not tainted 6.12.118+deb12-amd64 #1 ...} (lib/dump_stack.c). */
    private static final Pattern CPU_LINE = Pattern.compile(
            "^CPU: (\\d{1,6}) (?:UID: \\d+ )?PID: (\\d{1,9}) Comm: .{0,16}?(?: Kdump: loaded)? "
                    + "(Not tainted|Tainted: ([A-Z ]{1,40}?))\\s+(\\S{1,64}) #");
    /** A frame: optional old-style address, optional "? ", function+offset/size, optional module. */
    private static final Pattern FRAME = Pattern.compile(
            "^(?:\\[<[0-9a-f]{1,16}>\\] )?(\\? )?([A-Za-z0-9_.$]{1,200})\\+0x[0-9a-f]{1,16}/0x[0-9a-f]{1,16}"
                    + "(?: \\[([A-Za-z0-9_]{1,64})\\])?");
    /** The faulting kernel-mode instruction: {@code RIP: 0010:func+0x12/0x30}. */
    private static final Pattern KERNEL_RIP = Pattern.compile("^RIP: 0010:([A-Za-z0-9_.$]{1,200})\\+0x");
    private static final Pattern HEADLINE = Pattern.compile("^(BUG: |Oops: |general protection fault|kernel BUG at "
            + "|Unable to handle kernel |Internal error: |WARNING: CPU: |" + Pattern.quote(PANIC) + ")");
    private static final Pattern NUMBERS = Pattern.compile("\\b(?:0x)?[0-9a-fA-F]{4,}\\b|\\d+");
    /** Lines before the CPU line searched for the report's headline (BUG, #PF lines, PGD, Oops). */
    private static final int HEADLINE_LOOKBACK = 12;

    /** One log line with the caller of its record (empty where the kernel records none). */
    private record LogLine(String text, String caller) {
    }

    /**
     * Reads the signature from the log and the CPUs' notes. {@code log} may be empty (no VMCOREINFO,
     * or the log was unreadable): the signature then holds what the notes tell.
     *
     * @param log the log
     * @param cpus the cpus
     * @param osRelease the os release
     * @return what was read
     */
    public static CrashSignature of(Optional<Dmesg> log, List<CpuState> cpus, Optional<String> osRelease) {
        List<LogLine> lines = new ArrayList<>();
        log.ifPresent(l -> {
            for (Dmesg.Record r : l.records()) {
                for (String t : r.text().split("\n", -1)) {
                    lines.add(new LogLine(t.strip(), r.caller().orElse("")));
                }
            }
        });
        Optional<String> panic = Optional.empty();
        int cpuLine = -1;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).text();
            if (t.startsWith(PANIC)) {
                panic = Optional.of(t.substring(PANIC.length()));
            }
            if (CPU_LINE.matcher(t).find()) {
                cpuLine = i;
            }
        }
        if (cpuLine < 0) {
            OptionalInt fromNotes = onlyBusyCpu(cpus);
            return new CrashSignature(fromNotes, OptionalInt.empty(), fromNotes, panic.map(p -> PANIC + p), panic,
                    List.of(), osRelease, Optional.empty(), List.of(), Optional.empty());
        }
        Matcher cpu = CPU_LINE.matcher(lines.get(cpuLine).text());
        cpu.find();
        int cpuNumber = Integer.parseInt(cpu.group(1));
        int pid = Integer.parseInt(cpu.group(2));
        String taint = cpu.group(4) == null ? "" : cpu.group(4).strip().replaceAll("\\s+", " ");
        String caller = lines.get(cpuLine).caller();

        String headline = null;
        for (int i = cpuLine - 1; i >= Math.max(0, cpuLine - HEADLINE_LOOKBACK); i--) {
            LogLine l = lines.get(i);
            if (l.caller().equals(caller) && HEADLINE.matcher(l.text()).find()) {
                headline = l.text();
            }
        }
        List<String> trace = new ArrayList<>();
        String faultingFunction = null;
        boolean inTrace = false;
        for (int i = cpuLine + 1; i < lines.size(); i++) {
            LogLine l = lines.get(i);
            if (!l.caller().equals(caller)) {
                continue; // another CPU's message printed in between
            }
            String t = l.text();
            if (CPU_LINE.matcher(t).find() || t.startsWith("---[ end") || t.startsWith("Modules linked in:")) {
                break;
            }
            Matcher rip = KERNEL_RIP.matcher(t);
            if (!inTrace && faultingFunction == null && rip.find()) {
                faultingFunction = rip.group(1);
            }
            if (t.equals("Call Trace:")) {
                inTrace = true;
            } else if (inTrace && FRAME.matcher(t).find()) {
                trace.add(t);
            }
        }
        List<String> frames = normalise(faultingFunction, trace);
        String hashedHeadline = headline == null ? "" : NUMBERS.matcher(headline).replaceAll("#");
        OptionalInt fromNotes = cpuOfPid(cpus, pid);
        Optional<String> release = osRelease.isPresent() ? osRelease : Optional.of(cpu.group(5));
        return new CrashSignature(OptionalInt.of(cpuNumber), OptionalInt.of(pid), fromNotes,
                Optional.ofNullable(headline), panic, List.copyOf(trace), release, Optional.of(taint), frames,
                Optional.of(hash(hashedHeadline, frames)));
    }

    /** The frames hashed: see the class comment. */
    static List<String> normalise(String faultingFunction, List<String> trace) {
        List<String> frames = new ArrayList<>();
        if (faultingFunction != null) {
            frames.add(stripClone(faultingFunction));
        }
        for (String t : trace) {
            Matcher m = FRAME.matcher(t);
            if (!m.find() || m.group(1) != null) {
                continue;
            }
            String name = stripClone(m.group(2));
            if (frames.isEmpty() && REPORTING_FRAMES.contains(name)) {
                continue;
            }
            frames.add(m.group(3) == null ? name : name + " [" + m.group(3) + "]");
        }
        return List.copyOf(frames.subList(0, Math.min(HASHED_FRAMES, frames.size())));
    }

    private static String stripClone(String function) {
        int dot = function.indexOf('.');
        return dot > 0 ? function.substring(0, dot) : function;
    }

    static String hash(String headline, List<String> frames) {
        StringBuilder sb = new StringBuilder("v" + VERSION + "\n").append(headline).append('\n');
        frames.forEach(f -> sb.append(f).append('\n'));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform has SHA-256", e);
        }
    }

    private static OptionalInt cpuOfPid(List<CpuState> cpus, int pid) {
        List<CpuState> match = cpus.stream().filter(c -> c.pid() == pid).toList();
        return match.size() == 1 ? OptionalInt.of(match.get(0).cpu()) : OptionalInt.empty();
    }

    /** Without a report: the only CPU whose note names a task other than idle (pid 0), if exactly one does. */
    private static OptionalInt onlyBusyCpu(List<CpuState> cpus) {
        List<CpuState> busy = cpus.stream().filter(c -> c.pid() != 0).toList();
        return busy.size() == 1 ? OptionalInt.of(busy.get(0).cpu()) : OptionalInt.empty();
    }
}
