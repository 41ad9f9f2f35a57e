package org.vmcore4j.cli;

import java.io.PrintWriter;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vmcore4j.core.Vmcore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmcore4j info DUMP...}: the first look at a dump, as text or JSON. */
@Command(name = "info", description = "Show what a dump holds: kernel release, crash time, CPUs and registers, "
        + "memory ranges, VMCOREINFO.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DUMP", description = "the dump: /proc/vmcore, an ELF core, a file written by "
            + "makedumpfile (every part of a --split set), '-' for one on standard input (makedumpfile -F), a QEMU or virsh "
            + "memory dump, or a raw memory image (IMAGE@ADDRESS or --raw-ranges)")
    List<Path> dumps;

    private final InputStream in;

    @Mixin
    DumpOpening opening = new DumpOpening();

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = "--raw-ranges", paramLabel = "FILE", description = "DUMP is a raw memory image; FILE's lines "
            + "'FILE_OFFSET PHYSICAL_ADDRESS LENGTH' say where it holds which memory (DUMP@ADDRESS: all of it from ADDRESS on)")
    Path rawRanges;

    @Option(names = "--no-backup-remap", description = "read a whole-machine image as it is, even if it holds a kexec capture")
    boolean noBackupRemap;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    InfoCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DumpInput.Opened input = DumpInput.open(dumps, opening.options(), rawRanges, noBackupRemap, in);
        try (Vmcore vmcore = input.dump()) {
            TriageReport report = TriageReport.of(vmcore, input.inputBytes());
            out.print(json ? Json.write(report.toJson()) : report.toText());
        }
        out.flush();
        return 0;
    }
}
