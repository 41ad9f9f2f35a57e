package org.vmcore4j.core.internal.archive;

import java.io.IOException;
import org.vmcore4j.core.RandomAccessSource;

/**
 * A range of another source read in place, as a source of its own: a dump stored as a member of an
 * archive. Closing it closes the source it reads.
 */
final class SliceSource implements RandomAccessSource {
    private final RandomAccessSource whole;
    private final long start;
    private final long size;
    private final String description;

    SliceSource(RandomAccessSource whole, long start, long size, String description) {
        if (start < 0 || size < 0 || start > whole.size() || size > whole.size() - start) {
            throw new IllegalArgumentException("slice [" + start + ", +" + size + ") outside " + whole.description());
        }
        this.whole = whole;
        this.start = start;
        this.size = size;
        this.description = description;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws IOException {
        checkRange(pos, len);
        whole.read(start + pos, dst, off, len);
    }

    @Override
    public void read(long pos, java.nio.ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        whole.read(start + pos, dst);
    }

    @Override
    public void close() throws IOException {
        whole.close();
    }
}
