package org.vmcore4j.core;

import java.util.Objects;

/** A source over an in-memory byte array: for tests, fixtures and small embedded images. */
public final class ByteArraySource implements RandomAccessSource {
    private final byte[] bytes;
    private final String description;

    /**
     * A source over {@code bytes}, which it does not copy: the caller must not change them while it is read.
     *
     * @param bytes a size in bytes
     * @param description what the bytes are, for error messages
     */
    public ByteArraySource(byte[] bytes, String description) {
        this.bytes = Objects.requireNonNull(bytes);
        this.description = Objects.requireNonNull(description);
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws VmcoreFormatException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkRange(pos, len);
        System.arraycopy(bytes, (int) pos, dst, off, len);
    }

    @Override
    public void close() {
    }
}
