package org.vmcore4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import picocli.CommandLine.Option;

/**
 * How the reading commands (info, read, dmesg, triage) open a dump: {@code --vmcoreinfo FILE} supplies the
 * VMCOREINFO text of a dump that lacks the note (makedumpfile's {@code -i}); a picocli mixin.
 */
final class DumpOpening {
    /** Names the option in every message about a missing VMCOREINFO, so the user learns the remedy. */
    static final String OPTION = "--vmcoreinfo";

    @Option(names = OPTION, paramLabel = "FILE", description = "VMCOREINFO text (KEY=value lines, as "
            + "/sys/kernel/vmcoreinfo's note or makedumpfile -g holds them) for a dump without the note, "
            + "as makedumpfile's -i")
    Path vmcoreInfoFile;

    OpenOptions options() throws IOException {
        if (vmcoreInfoFile == null) {
            return OpenOptions.defaults();
        }
        return OpenOptions.defaults().withVmcoreInfo(readVmcoreInfo(vmcoreInfoFile));
    }

    static String readVmcoreInfo(Path file) throws IOException {
        if (Files.size(file) > VmcoreInfo.MAX_BYTES) {
            throw new IOException(file + " is larger than " + VmcoreInfo.MAX_BYTES + " bytes: not VMCOREINFO text");
        }
        return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    }

    /** Opens the dump the command line names ({@link DumpInput}: a file, a split set's parts, or '-'). */
    DumpInput.Opened open(List<Path> dumps, InputStream stdin) throws IOException {
        return DumpInput.open(dumps, options(), null, false, stdin);
    }

    /** The dump's VMCOREINFO, or an error that says what is missing and names {@value #OPTION}. */
    static VmcoreInfo requireVmcoreInfo(Vmcore dump, String forWhat) throws IOException {
        return dump.vmcoreInfo().orElseThrow(() -> new IOException(missingVmcoreInfo(dump, forWhat)));
    }

    static String missingVmcoreInfo(Vmcore dump, String forWhat) {
        return dump.description() + " has no VMCOREINFO note, which " + forWhat + " needs (kernel symbols, "
                + "structure layout, address translation); give the crashed kernel's VMCOREINFO text with "
                + OPTION + " FILE";
    }

    /** The kernel address space, with {@link #requireVmcoreInfo}'s message where VMCOREINFO is missing. */
    static KernelAddressSpace kernelAddressSpace(Vmcore dump, String forWhat) throws IOException {
        requireVmcoreInfo(dump, forWhat);
        return dump.kernelAddressSpace();
    }

    /**
     * A library's message about a dump without VMCOREINFO (the filter's "the dump has no VMCOREINFO
     * note", which knows no command line), with the option that supplies it.
     */
    static String withOptionHint(String message) {
        if (message != null && message.contains("no VMCOREINFO") && !message.contains(OPTION)) {
            return message + "; give the crashed kernel's VMCOREINFO text with " + OPTION + " FILE";
        }
        return message;
    }
}
