package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;

/** The files a mode reads and writes: the input dump opened for its access pattern, an existing DUMPFILE. */
final class DumpFiles {
    private DumpFiles() {
    }

    /**
     * Opens the input. {@code streaming}: the collector reads every dumpable page once, through one
     * small mapped window per thread, as makedumpfile maps /proc/vmcore (a whole-file mapping would
     * keep every page read in the resident set: 850 MB instead of 60 MB on a 1 GiB dump at -d 1), or
     * with pread under --non-mmap. The kernel log reads a few pages: the file is mapped whole.
     */
    static Vmcore openInput(Path given, boolean streaming, CollectorCommand options) throws IOException {
        OpenOptions open = OpenOptions.defaults().withReadMode(options.nonMmap ? OpenOptions.ReadMode.PREAD
                : streaming ? OpenOptions.ReadMode.WINDOWED : OpenOptions.ReadMode.MAPPED);
        if (options.vmcoreInfoFile != null) {
            open = open.withVmcoreInfo(DumpOpening.readVmcoreInfo(options.vmcoreInfoFile));
        }
        DumpArgument.Target target = DumpArgument.resolve(given, options.rawRanges, options.noBackupRemap, open);
        if (!Files.exists(target.file())) {
            throw new java.nio.file.NoSuchFileException("the dump memory(" + target.file() + ")");
        }
        return Vmcore.open(target.file(), target.options());
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
