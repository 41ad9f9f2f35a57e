package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;

/** The files a mode reads and writes: the input dump opened for its access pattern, an existing DUMPFILE. */
final class DumpFiles {
    private DumpFiles() {
    }

    /**
     * Opens the input. {@code streaming}: the collector reads every dumpable page once. A file is read
     * with pread: on the kernel-heavy 6 GiB dump that took 1.4 s of user CPU at -l -d 31 against 2.5 s
     * through mapped windows, whose page faults and TLB misses cost more than the copy they save
     * (benchmarks/PERFORMANCE.md). /proc/vmcore is read through one small mapped window per thread, as
     * makedumpfile maps it: its read() maps and unmaps each page of old memory in the kernel. A
     * whole-file mapping would keep every page read in the resident set (850 MB instead of 60 MB on a
     * 1 GiB dump at -d 1). --non-mmap reads /proc/vmcore with read calls too. The kernel log reads a
     * few pages: the file is mapped whole.
     */
    static Vmcore openInput(List<Path> parts, boolean streaming, CollectorCommand options) throws IOException {
        OpenOptions.ReadMode mode = !streaming ? OpenOptions.ReadMode.MAPPED
                : options.nonMmap || !parts.stream().allMatch(DumpFiles::isProcFile) ? OpenOptions.ReadMode.PREAD
                : OpenOptions.ReadMode.WINDOWED;
        OpenOptions open = OpenOptions.defaults().withReadMode(mode);
        if (options.vmcoreInfoFile != null) {
            open = open.withVmcoreInfo(DumpOpening.readVmcoreInfo(options.vmcoreInfoFile));
        }
        if (parts.size() == 1 && !DumpInput.isStandardInput(parts.get(0))) {
            DumpArgument.Target target = DumpArgument.resolve(parts.get(0), options.rawRanges, options.noBackupRemap, open);
            requireExists(target.file());
        } else {
            for (Path p : parts) {
                if (!DumpInput.isStandardInput(p)) {
                    requireExists(p);
                }
            }
        }
        return DumpInput.open(parts, open, options.rawRanges, options.noBackupRemap, options.in).dump();
    }

    /** Whether {@code file} lives on procfs, as /proc/vmcore does (false for standard input and what cannot be examined). */
    static boolean isProcFile(Path file) {
        if (DumpInput.isStandardInput(file)) {
            return false;
        }
        try {
            return "proc".equals(Files.getFileStore(file).type());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static void requireExists(Path file) throws java.nio.file.NoSuchFileException {
        if (!Files.exists(file)) {
            // makedumpfile's "Can't open the dump memory(X). No such file or directory."
            throw new java.nio.file.NoSuchFileException("the dump memory(" + file + ")");
        }
    }

    /**
     * The dump the mode reads: every FILE before the one DUMPFILE or LOGFILE (the parts of a split set,
     * or '-' for standard input); with -F, every FILE (the output is standard output). {@code --split}
     * reads one VMCORE (its FILEs after the first are the parts it writes), as does {@code --mem-usage}
     * (makedumpfile's {@code --mem-usage VMCORE [DUMPFILE]}).
     */
    static List<Path> inputs(CollectorCommand options) {
        List<Path> files = options.files;
        if (options.split || options.memUsage) {
            return files.subList(0, 1);
        }
        return options.flatten ? files : files.subList(0, files.size() - 1);
    }

    /** The files the mode writes: every FILE after {@link #inputs} (none with -F). */
    static List<Path> outputs(CollectorCommand options) {
        return options.files.subList(inputs(options).size(), options.files.size());
    }

    /** makedumpfile's check_dump_file: an existing DUMPFILE is replaced only with -f. */
    static boolean checkTarget(Path target, boolean force, MessageOutput messages) throws IOException {
        if (Files.exists(target)) {
            if (!force) {
                messages.error("Can't open the dump file(" + target + "). File exists.\n");
                return false;
            }
            Files.delete(target);
        }
        return true;
    }
}
