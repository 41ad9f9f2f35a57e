package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmcore4j.cli.archive.ArchiveMetadata;
import org.vmcore4j.cli.archive.ArchiveSink;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Utsname;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;

/**
 * The collector's {@code --archive}: DUMPFILE becomes an uncompressed tar holding {@code metadata.txt},
 * the capture system's os-release and the dump as member {@code vmcore}, written in place (see
 * {@link ArchiveSink}); {@code info}, {@code triage} and the collector read such an archive directly.
 */
final class ArchiveOutput {
    static final String OPTION = "--archive";
    /** The capture system's release file, stored where it exists. */
    static final Path OS_RELEASE = Path.of("/etc/os-release");

    private ArchiveOutput() {
    }

    static DumpSink open(Vmcore dump, Path target, boolean elf, List<String> args, List<Path> files)
            throws IOException {
        Optional<Utsname> uts = utsname(dump);
        OptionalLong crashTime = dump.headerFacts().map(h -> OptionalLong.of(h.crashTimeSeconds()))
                .orElseGet(() -> dump.vmcoreInfo().map(VmcoreInfo::crashTime).orElse(OptionalLong.empty()));
        List<String> options = new ArrayList<>(args);
        files.forEach(f -> options.remove(f.toString()));
        String version = ArchiveOutput.class.getPackage().getImplementationVersion();
        return ArchiveSink.create(target, ArchiveMetadata.members(elf ? "elf" : "kdump", uts.orElse(null), crashTime,
                "vmcore4j " + (version != null ? version : "development build"), options, OS_RELEASE),
                ArchiveMetadata.DUMP, crashTime.orElse(0));
    }

    /** The crashed kernel's utsname: from a kdump header, else read from init_uts_ns; empty where neither is there. */
    static Optional<Utsname> utsname(Vmcore dump) {
        if (dump.headerFacts().isPresent()) {
            return Optional.of(dump.headerFacts().get().utsname());
        }
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        if (info.isEmpty()) {
            return Optional.empty();
        }
        try {
            KernelAddressSpace kas = dump.kernelAddressSpace();
            long base = info.get().requireSymbol("init_uts_ns") + info.get().offset("uts_namespace.name").orElse(4);
            String[] f = new String[6];
            for (int i = 0; i < f.length; i++) {
                f[i] = kas.readCString(base + i * 65L, 65);
            }
            return Optional.of(new Utsname(f[0], f[1], f[2], f[3], f[4], f[5]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
