package org.vmcore4j.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.Vmcore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vmcore4j dmesg DUMP...}: the crashed kernel's log on standard output, as kexec-tools'
 * vmcore-dmesg prints it, in the bytes makedumpfile 1.7.9's {@code --dump-dmesg} writes to its file.
 * A log damaged part-way is printed as far as it reads; the damage is reported on standard error and
 * the exit status is 1.
 */
@Command(name = "dmesg", description = "Print the crashed kernel's log (as makedumpfile --dump-dmesg writes it).")
final class DmesgCommand implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    @Parameters(arity = "1..*", paramLabel = "DUMP", description = "the dump, in any format vmcore4j reads (every part "
            + "of a --split set; '-' for one on standard input)")
    List<Path> dumps;

    @Mixin
    DumpOpening opening = new DumpOpening();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    DmesgCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        Dmesg log;
        try (Vmcore vmcore = opening.open(dumps, in).dump()) {
            log = Dmesg.read(DumpOpening.requireVmcoreInfo(vmcore, "reading the kernel log"),
                    DumpOpening.kernelAddressSpace(vmcore, "reading the kernel log"));
        }
        log.writeTo(out);
        out.flush();
        if (log.damage().isPresent()) {
            err.println("vmcore4j: the log is damaged; printed up to the damage: " + log.damage().get());
            return Main.FAILED;
        }
        return Main.COMPLETED;
    }
}
