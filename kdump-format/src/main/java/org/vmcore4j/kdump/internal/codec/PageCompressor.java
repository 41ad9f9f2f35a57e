package org.vmcore4j.kdump.internal.codec;

import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;

/**
 * makedumpfile's per-page storage decision: a page is stored compressed only if its compressed form
 * is strictly smaller than the page, otherwise raw. One instance per thread (it owns a codec).
 */
public final class PageCompressor implements AutoCloseable {
    private final Compression compression;
    private final int pageSize;
    private final PageCodec codec;

    /**
     * A compressor for pages of {@code pageSize} bytes; {@link Compression#NONE} stores every page raw.
     *
     * @param compression the page compression
     * @param pageSize the page size in bytes
     */
    public PageCompressor(Compression compression, int pageSize) {
        this.compression = Objects.requireNonNull(compression);
        this.pageSize = pageSize;
        this.codec = compression == Compression.NONE ? null : PageCodec.of(compression);
    }

    /** {@return the compression pages are stored with} */
    public Compression compression() {
        return compression;
    }

    /** {@return the page size in bytes}. The size of the pages compressed. */
    public int pageSize() {
        return pageSize;
    }

    /**
     * Compresses the page at {@code src[srcOff..srcOff+pageSize)} into {@code dst} at {@code dstOff}
     * (room for {@code pageSize - 1} bytes is enough).
     *
     * @param src the input bytes
     * @param srcOff where the input starts in {@code src}
     * @param dst the buffer the bytes go to
     * @param dstOff where the output starts in {@code dst}
     * @return the compressed length, 1..pageSize-1, or -1 if the page is to be stored raw
     */
    public int compress(byte[] src, int srcOff, byte[] dst, int dstOff) {
        if (codec == null) {
            return -1;
        }
        int n = codec.compress(src, srcOff, pageSize, dst, dstOff, pageSize - 1);
        return n > 0 && n < pageSize ? n : -1;
    }

    @Override
    public void close() {
        if (codec != null) {
            codec.close();
        }
    }
}
