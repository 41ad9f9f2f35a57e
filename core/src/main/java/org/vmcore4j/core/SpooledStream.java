package org.vmcore4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A dump that arrives as a stream (a flattened {@code makedumpfile -F} stream on standard input, a
 * download), copied into a temporary file so that it can be read at random: a flattened stream's
 * records come in write order, not file order, and a reader needs the header written last. The file
 * is opened with {@code DELETE_ON_CLOSE}: closing the dump removes it. (On Linux the JDK unlinks such a
 * file as soon as it is open, so once the copy is complete not even a crash leaves it behind.)
 */
final class SpooledStream {
    private SpooledStream() {
    }

    static Vmcore open(InputStream stream, Path spoolDirectory, OpenOptions options) throws IOException {
        Path spool = Files.createTempFile(spoolDirectory, "vmcore4j-", ".spool");
        FileChannel channel = null;
        try {
            try (OutputStream out = Files.newOutputStream(spool)) {
                stream.transferTo(out);
            }
            channel = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
            RandomAccessSource source = ChannelSource.of(channel, "stream spooled to " + spool);
            return Vmcore.open(source, options);
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (channel != null) {
                    channel.close();
                }
                Files.deleteIfExists(spool);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
