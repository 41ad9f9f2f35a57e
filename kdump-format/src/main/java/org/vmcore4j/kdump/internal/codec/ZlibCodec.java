package org.vmcore4j.kdump.internal.codec;

import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * zlib with its RFC 1950 wrapper, as makedumpfile writes with {@code deflate} at level 1
 * (Z_BEST_SPEED) and reads with {@code uncompress()}: the stream must end (Adler-32 checked) after
 * exactly one page.
 */
final class ZlibCodec implements PageCodec {
    private final Inflater inflater = new Inflater();
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final byte[] probe = new byte[1];

    @Override
    public Compression compression() {
        return Compression.ZLIB;
    }

    @Override
    public int maxCompressedLength(int length) {
        // zlib's compressBound(): stored blocks cost 5 bytes per 16 KiB plus the 6-byte wrapper
        return length + (length >>> 12) + (length >>> 14) + (length >>> 25) + 13;
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        deflater.reset();
        deflater.setInput(src, srcOff, length);
        deflater.finish();
        int total = 0;
        while (!deflater.finished() && total < dstCapacity) {
            total += deflater.deflate(dst, dstOff + total, dstCapacity - total);
        }
        return deflater.finished() ? total : -1;
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException {
        Objects.checkFromIndexSize(srcOff, srcLength, src.length);
        Objects.checkFromIndexSize(dstOff, expectedLength, dst.length);
        inflater.reset();
        inflater.setInput(src, srcOff, srcLength);
        int total = 0;
        try {
            while (total < expectedLength) {
                int n = inflater.inflate(dst, dstOff + total, expectedLength - total);
                total += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                if (n == 0) {
                    break; // no progress with output space left: never loop on a stuck stream
                }
            }
            if (inflater.needsDictionary()) {
                throw new CorruptPageException("zlib stream asks for a preset dictionary");
            }
            if (total != expectedLength) {
                throw new CorruptPageException("zlib stream expands to " + total + " bytes, not " + expectedLength);
            }
            if (!inflater.finished()) {
                // the page is complete; what is left must be the end of the stream (Adler-32), no more data
                if (inflater.inflate(probe, 0, 1) != 0) {
                    throw new CorruptPageException("zlib stream expands to more than " + expectedLength + " bytes");
                }
                if (!inflater.finished()) {
                    throw new CorruptPageException("zlib stream does not end after " + expectedLength + " bytes");
                }
            }
        } catch (DataFormatException e) {
            throw new CorruptPageException("invalid zlib stream: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        inflater.end();
        deflater.end();
    }
}
