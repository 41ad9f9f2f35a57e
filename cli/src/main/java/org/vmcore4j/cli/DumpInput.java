package org.vmcore4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;

/**
 * The one way every command opens the dump its command line names (info, read, dmesg, triage, the
 * collector's modes): one file in any format; every part of a {@code --split} set, in any order; or
 * {@code -}, a dump (typically makedumpfile -F's flattened stream) on standard input. A single file
 * may also be a raw memory image ({@link DumpArgument}).
 *
 * <p>Standard input is a stream, and every reader needs random access (a flattened stream's records
 * come in any order), so {@link Vmcore#open(InputStream, Path, OpenOptions)} first copies it to a
 * private temporary file under {@code java.io.tmpdir}, removed once open: that copy needs as much
 * space as the stream.
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
            CountingStream counted = new CountingStream(stdin);
            Vmcore dump = Vmcore.open(counted, Path.of(System.getProperty("java.io.tmpdir")), o);
            return new Opened(dump, counted.count);
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

    /** Counts the bytes read through it: the size of what came on standard input. */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }

        /** Through {@link #read(byte[], int, int)}: a newer JDK's FilterInputStream hands it to the stream it wraps. */
        @Override
        public long transferTo(java.io.OutputStream out) throws IOException {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = read(buffer, 0, buffer.length)) >= 0; total += n) {
                out.write(buffer, 0, n);
            }
            return total;
        }
    }
}
