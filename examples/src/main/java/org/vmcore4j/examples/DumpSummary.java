package org.vmcore4j.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.CrashSignature;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;

/**
 * Opens a crash dump, prints the crashing CPU's registers and the last 20 lines of the kernel log,
 * and reads the kernel release from the crashed kernel's memory: {@code init_uts_ns}'s address
 * from VMCOREINFO, translated through the kernel's page tables.
 *
 * <p>{@code java -p MODULES -m org.vmcore4j.examples/org.vmcore4j.examples.DumpSummary DUMP}
 */
public final class DumpSummary {
    /** {@code struct new_utsname}: six fields of {@code __NEW_UTS_LEN + 1} bytes; the release is the third. */
    private static final int UTS_FIELD_BYTES = 65;

    private DumpSummary() {
    }

    /**
     * Prints the summary of the dump named by the one argument.
     *
     * @param args the dump's path
     * @throws IOException if the dump cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: DumpSummary DUMP");
            System.exit(2);
        }
        summarize(Path.of(args[0]), System.out);
    }

    static void summarize(Path file, PrintStream out) throws IOException {
        // tag::readme[]
        try (Vmcore dump = Vmcore.open(file)) {
            VmcoreInfo info = dump.vmcoreInfo().orElseThrow(() -> new IOException(file + ": no VMCOREINFO"));
            KernelAddressSpace kernel = dump.kernelAddressSpace();
            Dmesg log = Dmesg.read(info, kernel);

            // The crashing CPU: the one whose task the log's crash report names.
            CrashSignature crash = CrashSignature.of(Optional.of(log), dump.cpus(), info.osRelease());
            int cpu = crash.cpuFromNotes().orElseThrow(() -> new IOException(file + ": no crashing CPU"));
            CpuState state = dump.cpus().get(cpu);
            out.printf(Locale.ROOT, "crashing CPU %d, pid %d%n", state.cpu(), state.pid());
            state.registers().forEach((name, value) -> out.printf(Locale.ROOT, "  %-8s 0x%016x%n", name, value));

            // The kernel log's last 20 lines, as makedumpfile --dump-dmesg writes them.
            List<String> lines = new String(log.makedumpfileText(), StandardCharsets.UTF_8).lines().toList();
            out.println("last 20 log lines:");
            lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(out::println);

            // A kernel symbol from VMCOREINFO, translated and read: init_uts_ns.name.release.
            long initUtsNs = info.requireSymbol("init_uts_ns");
            long release = initUtsNs + info.requireOffset("uts_namespace.name") + 2 * UTS_FIELD_BYTES;
            out.printf(Locale.ROOT, "init_uts_ns 0x%x, physical 0x%x%n", initUtsNs, kernel.toPhysical(initUtsNs));
            out.println("release " + kernel.readCString(release, UTS_FIELD_BYTES));
        }
        // end::readme[]
    }
}
