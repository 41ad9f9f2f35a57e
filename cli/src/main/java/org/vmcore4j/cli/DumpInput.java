package org.vmcore4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;

/**
 * The one way every command opens the dump its command line names (info, read, dmesg, triage, the
 * collector's modes): one file in any format; every part of a {@code --split} set, in any order; or
 * {@code -}, a dump (typically makedumpfile -F's flattened stream) on standard input. A single file
 * may also be a raw memory image ({@link DumpArgument}).
 *
 * <p>Standard input is a stream, and every reader needs random access (a flattened stream's records
 * come in any order), so it is first copied to a private temporary file under {@code java.io.tmpdir},
 * which is unlinked as soon as it is open: nothing is left behind, even if the process is killed.
 * That copy needs as much space as the stream.
 */
final class DumpInput {
    /** The argument that names standard input. */
    static final String STANDARD_INPUT = "-";

    /** An opened dump and the bytes its files hold (summed over a split set's parts). */
    record Opened(Vmcore dump, long inputBytes) {
    }

    private DumpInput() {
    }

    /**
     * Opens {@code parts} as one dump. {@code rawRanges} and {@code noBackupRemap} are the raw-image
     * options of {@link DumpArgument}; a raw image is one file.
     */
    static Opened open(List<Path> parts, OpenOptions options, Path rawRanges, boolean noBackupRemap,
            InputStream stdin) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no dump given");
        }
        boolean fromStdin = parts.stream().anyMatch(DumpInput::isStandardInput);
        if (fromStdin && parts.size() > 1) {
            throw new IOException("'-' (standard input) must be the only dump given: a split set's parts are files");
        }
        if (fromStdin) {
            OpenOptions o = noBackupRemap ? options.withBackupRegionRemap(false) : options;
            if (rawRanges != null) {
                o = o.withRawRanges(org.vmcore4j.core.RawRange.parse(Files.readString(rawRanges)));
            }
            RandomAccessSource source = spool(stdin);
            try {
                return new Opened(Vmcore.open(source, o), source.size());
            } catch (IOException | RuntimeException e) {
                source.close();
                throw e;
            }
        }
        if (parts.size() == 1) {
            DumpArgument.Target target = DumpArgument.resolve(parts.get(0), rawRanges, noBackupRemap, options);
            requireExists(target.file());
            return new Opened(Vmcore.open(target.file(), target.options()), Files.size(target.file()));
        }
        if (rawRanges != null) {
            throw new IOException("--raw-ranges describes one raw memory image, but " + parts.size() + " files are given");
        }
        long bytes = 0;
        for (Path p : parts) {
            requireExists(p);
            bytes += Files.size(p);
        }
        return new Opened(Vmcore.open(parts, noBackupRemap ? options.withBackupRegionRemap(false) : options), bytes);
    }

    static boolean isStandardInput(Path p) {
        return p.toString().equals(STANDARD_INPUT);
    }

    private static void requireExists(Path p) throws NoSuchFileException {
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString(), null, "no such file");
        }
    }

    /** Copies the stream to a private temporary file, opens it and unlinks it. */
    private static RandomAccessSource spool(InputStream stdin) throws IOException {
        // createTempFile gives the file owner-only permissions on POSIX: a dump holds the kernel's memory
        Path copy = Files.createTempFile("vmcore4j-stdin", ".dump");
        try {
            try (OutputStream out = Files.newOutputStream(copy)) {
                stdin.transferTo(out);
            }
            if (Files.size(copy) == 0) {
                throw new IOException("standard input is empty: no dump to read");
            }
            return new Named(RandomAccessSource.open(copy), "standard input");
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** A source under another name: the spooled copy reports itself as standard input. */
    private record Named(RandomAccessSource source, String description) implements RandomAccessSource {
        @Override
        public long size() {
            return source.size();
        }

        @Override
        public void read(long pos, byte[] dst, int off, int len) throws IOException {
            source.read(pos, dst, off, len);
        }

        @Override
        public void read(long pos, java.nio.ByteBuffer dst) throws IOException {
            source.read(pos, dst);
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }
}
