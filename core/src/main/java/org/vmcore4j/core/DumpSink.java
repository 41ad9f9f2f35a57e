package org.vmcore4j.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a dump writer puts its bytes: positional writes, the way makedumpfile issues them
 * ({@code lseek} + {@code write}). A file takes them in place; a flattened stream (makedumpfile
 * {@code -F}) records each one as an (offset, size) record, so a writer never needs to seek a pipe.
 *
 * <p>A write that fails part-way throws: {@link OutputLimitException} when a size limit
 * ({@code -L}) stops it, any other {@link IOException} (a full disk among them) otherwise. Writers
 * then make what is already written readable, which is why {@link #canRewrite()} exists: only a
 * sink that can rewrite bytes already written can set a kdump file's INCOMPLETE flag afterwards.
 *
 * <p>Not thread-safe: one writer thread owns a sink.
 */
public interface DumpSink extends Closeable {

    /**
     * Writes all remaining bytes of {@code src} at {@code offset}, advancing its position.
     *
     * @param offset a byte offset
     * @param src the input bytes
     * @throws OutputLimitException if a size limit stopped the write after some of the bytes
     * @throws IOException          if the bytes could not be written
     */
    void write(long offset, ByteBuffer src) throws IOException;

    /** {@return whether bytes already written may be written again (a file: yes; a stream: no)} */
    boolean canRewrite();

    /** {@return total bytes written so far (for progress and messages), counting rewrites} */
    long bytesWritten();

    /** {@return a human-readable name of the destination, for messages} */
    String description();

    /**
     * The writer completed the dump. A flattened stream writes its end marker here, so a stream cut
     * short by a failure never carries one; a file has nothing to add. Called once, before close.
     *
     * @throws IOException if reading or writing fails
     */
    default void finish() throws IOException {
    }

    /**
     * A sink writing into {@code file}, created or truncated. The file is opened for writing only,
     * so a sink can never be the input of the same run by accident through a read path.
     *
     * @param file the file
     * @return a sink writing into {@code file}, created or truncated
     * @throws IOException if reading or writing fails
     */
    static DumpSink toFile(Path file) throws IOException {
        return new FileDumpSink(createPrivate(file), file.toString());
    }

    /**
     * Opens {@code file} for writing, created or truncated. A new file is readable by its owner only
     * (mode 0600 where the file system has POSIX permissions), as makedumpfile creates its output: a
     * dump holds kernel memory, keys and passwords included.
     *
     * @param file the file
     * @return the file channel
     * @throws IOException if reading or writing fails
     */
    static FileChannel createPrivate(Path file) throws IOException {
        java.util.Set<StandardOpenOption> options = java.util.EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(file, options, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        }
        return FileChannel.open(file, options);
    }

    /**
     * A sink that keeps nothing (makedumpfile's {@code --dry-run}, benchmarks): it counts the bytes and
     * behaves as a rewritable file.
     *
     * @param description what the bytes are, for error messages
     * @return a sink that keeps nothing (makedumpfile's {@code --dry-run}, benchmarks): it counts
     *         the bytes and behaves as a rewritable file
     */
    static DumpSink discarding(String description) {
        return new DumpSink() {
            private long written;

            @Override
            public void write(long offset, ByteBuffer src) {
                written += src.remaining();
                src.position(src.limit());
            }

            @Override
            public boolean canRewrite() {
                return true;
            }

            @Override
            public long bytesWritten() {
                return written;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * A sink that stops accepting bytes past {@code limit} (makedumpfile's {@code -L}): a write that
     * would end beyond it writes the part below the limit and throws {@link OutputLimitException}.
     *
     * @param sink where the output goes
     * @param limit the limit
     * @return a sink that stops accepting bytes past {@code limit} (makedumpfile's {@code -L}): a
     *         write that would end beyond it writes the part below the limit and throws {@link
     *         OutputLimitException}
     */
    static DumpSink limitedTo(DumpSink sink, long limit) {
        return new LimitedDumpSink(sink, limit);
    }
}
