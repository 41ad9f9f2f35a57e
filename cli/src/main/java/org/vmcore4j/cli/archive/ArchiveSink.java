package org.vmcore4j.cli.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import org.vmcore4j.core.DumpSink;

/**
 * A dump written straight into a tar archive on disk, after small members written first (the
 * metadata): the dump member's header is reserved, the collector's positional writes land at their
 * offset past it, and closing writes the header with the size reached, the padding and the end
 * marker. So the dump exists once, inside the archive, with no copy beside it. Closing after a
 * failure also closes the archive, so an incomplete dump stays readable in a valid tar.
 *
 * <p>The archive is not compressed: the collectors write positionally (headers last), so the
 * member's size and first bytes are known only at the end, which a compressed stream cannot revisit.
 */
public final class ArchiveSink implements DumpSink {
    private final FileChannel channel;
    private final String description;
    private final String memberName;
    private final long mtimeSeconds;
    private final long headerAt;
    private long end;
    private long written;
    private boolean closed;

    private ArchiveSink(FileChannel channel, String description, String memberName, long mtimeSeconds, long headerAt) {
        this.channel = channel;
        this.description = description;
        this.memberName = memberName;
        this.mtimeSeconds = mtimeSeconds;
        this.headerAt = headerAt;
    }

    /**
     * Creates {@code archive} (mode 0600, as a dump file) holding {@code firstMembers} in order, then
     * a member {@code memberName} whose bytes the returned sink receives.
     */
    public static ArchiveSink create(Path archive, Map<String, byte[]> firstMembers, String memberName,
            long mtimeSeconds) throws IOException {
        FileChannel ch = DumpSink.createPrivate(archive);
        try {
            long pos = 0;
            for (Map.Entry<String, byte[]> m : firstMembers.entrySet()) {
                pos += writeFully(ch, pos, ByteBuffer.wrap(TarWriter.header(m.getKey(), m.getValue().length, mtimeSeconds)));
                pos += writeFully(ch, pos, ByteBuffer.wrap(m.getValue()));
                pos += writeFully(ch, pos, ByteBuffer.allocate(TarWriter.padding(m.getValue().length)));
            }
            TarWriter.header(memberName, 0, mtimeSeconds); // checks the name before any dump byte is written
            return new ArchiveSink(ch, archive + " (member " + memberName + ")", memberName, mtimeSeconds, pos);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private long dataAt() {
        return headerAt + TarWriter.BLOCK;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (offset < 0) {
            throw new IOException(description + ": write at negative offset " + offset);
        }
        int n = src.remaining();
        writeFully(channel, dataAt() + offset, src);
        end = Math.max(end, offset + n);
        written += n;
    }

    private static int writeFully(FileChannel ch, long at, ByteBuffer src) throws IOException {
        int n = src.remaining();
        while (src.hasRemaining()) {
            ch.write(src, at + (n - src.remaining()));
        }
        return n;
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

    /** Writes the member's header with its final size, the padding and the end-of-archive marker. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel ch = channel) {
            writeFully(ch, headerAt, ByteBuffer.wrap(TarWriter.header(memberName, end, mtimeSeconds)));
            long tail = dataAt() + end;
            writeFully(ch, tail, ByteBuffer.allocate(TarWriter.padding(end) + 2 * TarWriter.BLOCK));
            ch.truncate(tail + TarWriter.padding(end) + 2 * TarWriter.BLOCK);
        }
    }
}
