package org.vmcore4j.kdump.internal.codec;

import java.io.IOException;
import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;
import org.xerial.snappy.Snappy;

/**
 * Raw snappy blocks (snappy-c's {@code snappy_compress}, not the framing format) through
 * snappy-java. The block's length preamble is checked against the page size before anything is
 * decoded, so the native decoder never writes past the page.
 */
final class SnappyCodec implements PageCodec {
    private byte[] scratch = new byte[0];

    SnappyCodec() {
        try {
            Snappy.maxCompressedLength(1); // loads the native library now, not in the middle of a read
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException(PageCodec.missingLibrary(Compression.SNAPPY, e), e);
        } catch (LinkageError e) {
            throw new IllegalStateException("the snappy native library cannot be loaded on this platform: " + e, e);
        }
    }

    @Override
    public Compression compression() {
        return Compression.SNAPPY;
    }

    @Override
    public int maxCompressedLength(int length) {
        return Snappy.maxCompressedLength(length);
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        int bound = maxCompressedLength(length);
        try {
            if (dstCapacity >= bound) {
                return Snappy.rawCompress(src, srcOff, length, dst, dstOff);
            }
            // the native encoder does not bound its writes: give it the worst case, then copy
            if (scratch.length < bound) {
                scratch = new byte[bound];
            }
            int n = Snappy.rawCompress(src, srcOff, length, scratch, 0);
            if (n > dstCapacity) {
                return -1;
            }
            System.arraycopy(scratch, 0, dst, dstOff, n);
            return n;
        } catch (IOException e) {
            throw new IllegalStateException("snappy compression failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException {
        Objects.checkFromIndexSize(srcOff, srcLength, src.length);
        Objects.checkFromIndexSize(dstOff, expectedLength, dst.length);
        try {
            int declared = Snappy.uncompressedLength(src, srcOff, srcLength);
            if (declared != expectedLength) {
                throw new CorruptPageException("snappy block declares " + Integer.toUnsignedString(declared)
                        + " bytes, not " + expectedLength);
            }
            int n = Snappy.rawUncompress(src, srcOff, srcLength, dst, dstOff);
            if (n != expectedLength) {
                throw new CorruptPageException("snappy block expands to " + n + " bytes, not " + expectedLength);
            }
        } catch (IOException | RuntimeException e) {
            throw new CorruptPageException("invalid snappy block: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
    }
}
