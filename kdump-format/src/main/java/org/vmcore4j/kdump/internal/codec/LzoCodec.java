package org.vmcore4j.kdump.internal.codec;

import io.airlift.compress.lzo.LzoDecompressor;
import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * LZO1X, makedumpfile {@code -l}: encodes with {@link Lzo1x1Compressor}, whose output is byte for
 * byte liblzo2's {@code lzo1x_1_compress} (what makedumpfile writes), and decodes with aircompressor's
 * pure-Java decoder, which checks every bound as {@code lzo1x_decompress_safe} does.
 */
final class LzoCodec implements PageCodec {
    // made on the first page decoded: a writer, which only compresses, needs no aircompressor at all
    private LzoDecompressor decompressor;
    private final Lzo1x1Compressor compressor = new Lzo1x1Compressor();

    @Override
    public Compression compression() {
        return Compression.LZO;
    }

    @Override
    public int maxCompressedLength(int length) {
        return Lzo1x1Compressor.maxCompressedLength(length);
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        return compressor.compress(src, srcOff, length, dst, dstOff, dstCapacity);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException {
        Objects.checkFromIndexSize(srcOff, srcLength, src.length);
        Objects.checkFromIndexSize(dstOff, expectedLength, dst.length);
        if (decompressor == null) {
            decompressor = newDecompressor();
        }
        int n;
        try {
            n = decompressor.decompress(src, srcOff, srcLength, dst, dstOff, expectedLength);
        } catch (RuntimeException e) {
            throw new CorruptPageException("invalid LZO1X data: " + e.getMessage(), e);
        } catch (NoClassDefFoundError e) {
            // aircompressor loads its memory access on first use: a runtime without jdk.unsupported fails here
            throw new IllegalStateException(PageCodec.missingLibrary(Compression.LZO, e), e);
        }
        if (n != expectedLength) {
            throw new CorruptPageException("LZO1X data expands to " + n + " bytes, not " + expectedLength);
        }
    }

    private static LzoDecompressor newDecompressor() {
        try {
            return new LzoDecompressor();
        } catch (LinkageError e) {
            throw new IllegalStateException(PageCodec.missingLibrary(Compression.LZO, e), e);
        }
    }

    @Override
    public void close() {
    }
}
