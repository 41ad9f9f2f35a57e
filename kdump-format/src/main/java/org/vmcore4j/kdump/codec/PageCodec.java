package org.vmcore4j.kdump.codec;

/**
 * Compresses and decompresses single pages for the kdump-compressed format: each page is an
 * independent stream, as makedumpfile writes them. Get one from {@link Compression#newCodec()}.
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

    /** The method this codec implements. */
    Compression compression();

    /** Largest output {@link #compress} may need for {@code length} input bytes. */
    int maxCompressedLength(int length);

    /**
     * Compresses {@code src[srcOff..srcOff+length)} into {@code dst[dstOff..dstOff+dstCapacity)} as one
     * independent stream (zlib and zstd at level 1, like makedumpfile).
     *
     * @return the compressed length, or -1 if the result does not fit in {@code dstCapacity} bytes
     *         (a writer then stores the page raw)
     */
    int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity);

    /**
     * Decompresses {@code src[srcOff..srcOff+srcLength)}, which must expand to exactly
     * {@code expectedLength} bytes, into {@code dst[dstOff..dstOff+expectedLength)}.
     *
     * @throws CorruptPageException if the input is malformed or expands to any other length
     */
    void decompress(byte[] src, int srcOff, int srcLength, byte[] dst, int dstOff, int expectedLength)
            throws CorruptPageException;

    /** Releases native state; the codec must not be used afterwards. */
    @Override
    void close();
}
