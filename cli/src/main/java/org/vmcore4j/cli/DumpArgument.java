package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.RawRange;

/**
 * How a command line names the dump to open: a file of a known format; {@code IMAGE@ADDRESS}, crash's
 * way of naming a raw memory image whose bytes are physical memory from ADDRESS on; or a raw image
 * with {@code --raw-ranges FILE} (lines {@code FILE_OFFSET PHYSICAL_ADDRESS LENGTH}). With
 * {@code --no-backup-remap} a whole-machine image holding a kexec capture is read as it is.
 */
final class DumpArgument {
    /** {@code IMAGE@ADDRESS}, ADDRESS decimal or 0x-hex. */
    private static final Pattern AT_ADDRESS = Pattern.compile("(.+)@(0[xX][0-9a-fA-F]+|[0-9]+)");

    record Target(Path file, OpenOptions options) {
    }

    private DumpArgument() {
    }

    static Target resolve(Path given, Path rawRangesFile, boolean noBackupRemap, OpenOptions base) throws IOException {
        OpenOptions options = noBackupRemap ? base.withBackupRegionRemap(false) : base;
        if (rawRangesFile != null) {
            return new Target(given, options.withRawRanges(RawRange.parse(Files.readString(rawRangesFile))));
        }
        Matcher m = AT_ADDRESS.matcher(given.toString());
        if (!Files.exists(given) && m.matches() && Files.exists(Path.of(m.group(1)))) {
            return new Target(Path.of(m.group(1)), options.withRawRanges(RawRange.parse(m.group(2))));
        }
        return new Target(given, options);
    }
}
