package org.vmcore4j.kdump.internal.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * One zstd frame per page through zstd-jni (the reference libzstd): level 1 with the content size
 * in the frame header and no checksum, as makedumpfile's {@code ZSTD_compressCCtx(..., 1)} writes.
 * A frame that declares a content size other than the page is rejected before decoding.
 */
final class ZstdCodec implements PageCodec {
    private final ZstdDecompressCtx dctx;
    private ZstdCompressCtx cctx;
    private byte[] scratch;

    ZstdCodec() {
        try {
            dctx = new ZstdDecompressCtx();
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException(PageCodec.missingLibrary(Compression.ZSTD, e), e);
        } catch (LinkageError e) {
            throw new IllegalStateException("the zstd native library cannot be loaded on this platform: " + e, e);
        }
    }

    @Override
    public Compression compression() {
        return Compression.ZSTD;
    }

    @Override
    public int maxCompressedLength(int length) {
        return Math.toIntExact(Zstd.compressBound(length));
    }

    @Override
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        if (cctx == null) {
            cctx = new ZstdCompressCtx().setLevel(1).setChecksum(false).setContentSize(true);
        }
        int bound = maxCompressedLength(length);
        if (dstCapacity >= bound) {
            return cctx.compressByteArray(dst, dstOff, dstCapacity, src, srcOff, length);
        }
        // zstd-jni reports a destination that is too small with an exception, and a page that does not
        // shrink is common (1 in 25 at -d 1): filling in a stack trace each time cost more CPU than the
        // copy out of a scratch buffer large enough for any frame.
        if (scratch == null || scratch.length < bound) {
            scratch = new byte[bound];
        }
        int n = cctx.compressByteArray(scratch, 0, bound, src, srcOff, length);
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
            long declared = Zstd.getFrameContentSize(src, srcOff, srcLength);
            if (declared >= 0 && declared != expectedLength) {
                throw new CorruptPageException("zstd frame declares " + declared + " bytes, not " + expectedLength);
            }
            if (declared == -2) { // ZSTD_CONTENTSIZE_ERROR: not a zstd frame header
                throw new CorruptPageException("not a zstd frame");
            }
            n = dctx.decompressByteArray(dst, dstOff, expectedLength, src, srcOff, srcLength);
        } catch (RuntimeException e) {
            throw new CorruptPageException("invalid zstd frame: " + e.getMessage(), e);
        }
        if (n != expectedLength) {
            throw new CorruptPageException("zstd frame expands to " + n + " bytes, not " + expectedLength);
        }
    }

    @Override
    public void close() {
        dctx.close();
        if (cctx != null) {
            cctx.close();
        }
    }
}
