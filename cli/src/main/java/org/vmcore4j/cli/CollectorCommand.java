package org.vmcore4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The makedumpfile-compatible command: {@code vmcore4j [OPTION]... VMCORE DUMPFILE}. Options keep
 * makedumpfile's names and meaning; messages follow {@code --message-level}.
 */
@Command(name = "vmcore4j", subcommands = InfoCommand.class, sortOptions = false,
        description = "Read, filter and collect Linux kernel crash dumps (makedumpfile-compatible).",
        versionProvider = CollectorCommand.Version.class)
final class CollectorCommand implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @Option(names = "--dump-dmesg", description = "write the crashed kernel's log (dmesg) to DUMPFILE instead of a dump")
    boolean dumpDmesg;

    @Option(names = "-f", description = "overwrite DUMPFILE if it exists")
    boolean force;

    @Option(names = "--message-level", paramLabel = "N", defaultValue = "7",
            description = "bitmask of messages: 1 progress, 2 common, 4 error, 8 debug, 16 report (default 7)")
    int messageLevel;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "show the version")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "VMCORE and DUMPFILE")
    List<Path> files = new ArrayList<>();

    CollectorCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (messageLevel < 0 || messageLevel > 31) {
            err.println("vmcore4j: --message-level must be in 0..31: " + messageLevel);
            return Main.FAILED;
        }
        Console console = new Console(messageLevel, out, err);
        if (!dumpDmesg) {
            console.error("Writing a filtered dump file is not available yet; this build supports "
                    + "--dump-dmesg and the info command.\n");
            return finish(console, Main.FAILED);
        }
        if (files.size() != 2) {
            console.error("Commandline parameter is invalid: --dump-dmesg takes VMCORE and DUMPFILE.\n"
                    + "Try `vmcore4j --help' for more information.\n");
            return finish(console, Main.FAILED);
        }
        Path vmcore = files.get(0);
        Path target = files.get(1);
        try {
            if (Files.exists(target) && !force) {
                console.error("Can't open the dump file (" + target + "). File exists\n");
                return finish(console, Main.FAILED);
            }
            writeDmesg(vmcore, target);
        } catch (IOException | RuntimeException e) {
            console.error(e.getMessage() + "\n");
            return finish(console, Main.FAILED);
        }
        console.common("\nThe dmesg log is saved to " + target + ".\n");
        return finish(console, Main.COMPLETED);
    }

    private static void writeDmesg(Path vmcorePath, Path target) throws IOException {
        try (Vmcore vmcore = Vmcore.open(vmcorePath)) {
            VmcoreInfo info = vmcore.vmcoreInfo().orElseThrow(() -> new IOException(
                    vmcorePath + " has no VMCOREINFO note; the kernel log cannot be located without it"));
            byte[] text = Dmesg.read(info, vmcore.kernelAddressSpace()).makedumpfileText();
            try (OutputStream os = Files.newOutputStream(target, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                os.write(text);
            }
        }
    }

    private static int finish(Console console, int status) {
        console.common(status == Main.COMPLETED ? "\nvmcore4j Completed.\n" : "\nvmcore4j Failed.\n");
        return status;
    }

    /** {@code -v}: the version, as makedumpfile prints its own. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CollectorCommand.class.getPackage().getImplementationVersion();
            return new String[] {"vmcore4j: version " + (v != null ? v : "development build")};
        }
    }
}
