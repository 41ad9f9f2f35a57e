package org.vmcore4j.kdump.codec;

import io.airlift.compress.lzo.LzoCompressor;
import io.airlift.compress.lzo.LzoDecompressor;
import java.util.Objects;

/**
 * LZO1X through aircompressor's pure-Java implementation: its decoder reads liblzo2's
 * {@code lzo1x_1_compress} output (what makedumpfile {@code -l} writes) and checks every bound, as
 * {@code lzo1x_decompress_safe} does; its encoder emits plain LZO1X.
 */
final class LzoCodec implements PageCodec {
    private final LzoDecompressor decompressor = new LzoDecompressor();
    private final LzoCompressor compressor = new LzoCompressor();
    private byte[] scratch = new byte[0];

    @Override
    public Compression compression() {
        return Compression.LZO;
    }

    @Override
    public int maxCompressedLength(int length) {
        return compressor.maxCompressedLength(length);
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        int bound = maxCompressedLength(length);
        if (dstCapacity >= bound) {
            return compressor.compress(src, srcOff, length, dst, dstOff, dstCapacity);
        }
        // the encoder wants room for the worst case; a page that does not shrink is stored raw anyway
        if (scratch.length < bound) {
            scratch = new byte[bound];
        }
        int n = compressor.compress(src, srcOff, length, scratch, 0, bound);
        if (n > dstCapacity) {
            return -1;
        }
        System.arraycopy(scratch, 0, dst, dstOff, n);
        return n;
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException {
        Objects.checkFromIndexSize(srcOff, srcLength, src.length);
        Objects.checkFromIndexSize(dstOff, expectedLength, dst.length);
        int n;
        try {
            n = decompressor.decompress(src, srcOff, srcLength, dst, dstOff, expectedLength);
        } catch (RuntimeException e) {
            throw new CorruptPageException("invalid LZO1X data: " + e.getMessage(), e);
        }
        if (n != expectedLength) {
            throw new CorruptPageException("LZO1X data expands to " + n + " bytes, not " + expectedLength);
        }
    }

    @Override
    public void close() {
    }
}
