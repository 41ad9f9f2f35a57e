package org.vmcore4j.kdump.internal.codec;

import io.airlift.compress.lzo.LzoDecompressor;
import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * LZO1X, makedumpfile {@code -l}: encodes with liblzo2's {@code lzo1x_1_compress} itself where the
 * runtime can call it ({@link NativeLzo1x1}), else with {@link Lzo1x1Compressor}, whose output is the
 * same byte for byte; decodes with aircompressor's pure-Java decoder, which checks every bound as
 * {@code lzo1x_decompress_safe} does.
 */
final class LzoCodec implements PageCodec {
    // made on the first page decoded: a writer, which only compresses, needs no aircompressor at all
    private LzoDecompressor decompressor;
    // made on the first page encoded, so that a reader needs neither
    private boolean encoderChosen;
    private NativeLzo1x1 nativeEncoder;
    /** The native encoder's buffers fit a page of this size (arm64's 64 KiB); longer inputs are encoded in Java. */
    private static final int LARGEST_PAGE = 65536;
    private Lzo1x1Compressor compressor;

    /** {@return how pages are encoded: liblzo2 through the foreign function interface, or pure Java and why} */
    static String encoderDescription() {
        String reason = NativeLzo1x1.unavailableReason();
        return reason == null ? "lzo1x_1: " + NativeLzo1x1.LIBRARY + " through the foreign function interface"
                : "lzo1x_1: pure Java with " + UncheckedLittleEndian.description() + "; " + reason;
    }

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
        if (!encoderChosen) {
            nativeEncoder = NativeLzo1x1.openOrNull(LARGEST_PAGE);
            encoderChosen = true;
        }
        if (nativeEncoder != null && length <= nativeEncoder.capacity()) {
            return nativeEncoder.compress(src, srcOff, length, dst, dstOff, dstCapacity);
        }
        if (compressor == null) {
            compressor = new Lzo1x1Compressor();
        }
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
        if (nativeEncoder != null) {
            nativeEncoder.close();
            nativeEncoder = null;
        }
    }
}
