package org.vmcore4j.kdump.internal.codec;

import java.util.Objects;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * One raw LZ4 block per page (vmcore4j's extension, {@link Compression#LZ4}), through lz4-java's
 * fast compressor and its <em>safe</em> decompressor, which bounds every read and write by the
 * lengths given.
 */
final class Lz4Codec implements PageCodec {
    private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();

    private final LZ4Compressor compressor = FACTORY.fastCompressor();
    private final LZ4SafeDecompressor decompressor = FACTORY.safeDecompressor();

    @Override
    public Compression compression() {
        return Compression.LZ4;
    }

    @Override
    public int maxCompressedLength(int length) {
        return compressor.maxCompressedLength(length);
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        try {
            return compressor.compress(src, srcOff, length, dst, dstOff, dstCapacity);
        } catch (RuntimeException e) {
            if (dstCapacity < maxCompressedLength(length)) {
                return -1; // does not fit: the page is stored raw
            }
            throw e;
        }
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
            throw new CorruptPageException("invalid LZ4 block: " + e.getMessage(), e);
        }
        if (n != expectedLength) {
            throw new CorruptPageException("LZ4 block expands to " + n + " bytes, not " + expectedLength);
        }
    }

    @Override
    public void close() {
    }
}
