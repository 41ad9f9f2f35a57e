package org.vmcore4j.kdump.internal.codec;

import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.codec.CorruptPageException;

/**
 * Compresses and decompresses single pages for the kdump-compressed format: each page is an
 * independent stream, as makedumpfile writes them. Get one from {@link #of(Compression)}.
 *
 * <p>An instance holds reusable state (an {@link java.util.zip.Inflater}, a native zstd context,
 * scratch buffers), so it is <b>not thread-safe</b>: use one per thread, and {@link #close()} it to
 * release native memory. No method allocates per call once the instance is warm.
 *
 * <p>Decompression treats its input as hostile: it either produces exactly the expected number of
 * bytes or throws {@link CorruptPageException}; no library exception escapes.
 */
public sealed interface PageCodec extends AutoCloseable
        permits ZlibCodec, LzoCodec, SnappyCodec, ZstdCodec, Lz4Codec {

    /**
     * A new codec for {@code compression}.
     *
     * @param compression the page compression
     * @return a new codec for {@code compression}
     * @throws IllegalArgumentException for {@link Compression#NONE}, which has none
     */
    static PageCodec of(Compression compression) {
        try {
            return switch (compression) {
                case NONE -> throw new IllegalArgumentException("raw pages need no codec");
                case ZLIB -> new ZlibCodec();
                case LZO -> new LzoCodec();
                case SNAPPY -> new SnappyCodec();
                case ZSTD -> new ZstdCodec();
                case LZ4 -> new Lz4Codec();
            };
        } catch (NoClassDefFoundError e) {
            // the library is an optional dependency (requires static): absent, or not resolved on the module path
            throw new IllegalStateException(missingLibrary(compression, e), e);
        }
    }

    /**
     * What to do when the library of {@code compression} is not there.
     *
     * @param compression the page compression
     * @param e the error that showed the library missing
     * @return what to do when the library of {@code compression} is not there
     */
    static String missingLibrary(Compression compression, LinkageError e) {
        String module = switch (compression) {
            case LZO -> "aircompressor";
            case SNAPPY -> "snappy.java";
            case ZSTD -> "com.github.luben.zstd_jni";
            case LZ4 -> "org.lz4.java";
            default -> "java.base";
        };
        return compression + " pages need the " + module + " library: put it on the class path, or on the module path"
                + " with --add-modules " + module + " (" + e + ")";
    }

    /**
     * How LZO pages are encoded in this runtime: liblzo2 itself, or the pure-Java encoder and why.
     *
     * @return a line for a version report
     */
    static String lzoEncoderDescription() {
        return LzoCodec.encoderDescription();
    }

    /** {@return the method this codec implements} */
    Compression compression();

    /**
     * Largest output {@link #compress} may need for {@code length} input bytes.
     *
     * @param length the number of input bytes
     * @return largest output {@link #compress} may need for {@code length} input bytes
     */
    int maxCompressedLength(int length);

    /**
     * Compresses {@code src[srcOff..srcOff+length)} into {@code dst[dstOff..dstOff+dstCapacity)} as one
     * independent stream (zlib and zstd at level 1, like makedumpfile).
     *
     * @param src the input bytes
     * @param srcOff where the input starts in {@code src}
     * @param length the number of input bytes
     * @param dst the buffer the bytes go to
     * @param dstOff where the output starts in {@code dst}
     * @param dstCapacity room for the output in {@code dst}, in bytes
     * @return the compressed length, or -1 if the result does not fit in {@code dstCapacity} bytes
     *         (a writer then stores the page raw)
     */
    int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity);

    /**
     * Decompresses {@code src[srcOff..srcOff+srcLength)}, which must expand to exactly
     * {@code expectedLength} bytes, into {@code dst[dstOff..dstOff+expectedLength)}.
     *
     * @param src the input bytes
     * @param srcOff where the input starts in {@code src}
     * @param srcLength the number of input bytes
     * @param dst the buffer the bytes go to
     * @param dstOff where the output starts in {@code dst}
     * @param expectedLength the number of bytes the input must expand to
     * @throws CorruptPageException if the input is malformed or expands to any other length
     */
    void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException;

    /** Releases native state; the codec must not be used afterwards. */
    @Override
    void close();
}
