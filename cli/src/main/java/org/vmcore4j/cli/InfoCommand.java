package org.vmcore4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmcore4j.core.Vmcore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmcore4j info DUMP}: the first look at a dump, as text or JSON. */
@Command(name = "info", description = "Show what a dump holds: kernel release, crash time, CPUs and registers, "
        + "memory ranges, VMCOREINFO.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DUMP", description = "the dump: /proc/vmcore, an ELF core or a file written by makedumpfile")
    Path dump;

    @Mixin
    DumpOpening opening = new DumpOpening();

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Vmcore vmcore = opening.open(dump)) {
            TriageReport report = TriageReport.of(vmcore, Files.size(dump));
            out.print(json ? Json.write(report.toJson()) : report.toText());
        }
        out.flush();
        return 0;
    }
}
