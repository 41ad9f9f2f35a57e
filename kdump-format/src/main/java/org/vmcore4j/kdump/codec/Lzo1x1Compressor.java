package org.vmcore4j.kdump.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An LZO1X-1 encoder whose output is, byte for byte, what liblzo2 2.10's {@code lzo1x_1_compress}
 * writes: makedumpfile {@code -l} compresses each page with that function, so pages encoded here
 * make the same dump file. Any LZO1X decoder reads the result ({@code lzo1x_decompress_safe},
 * aircompressor's {@code LzoDecompressor}).
 *
 * <p>Written from the algorithm's facts as liblzo2 2.10 states them ({@code src/lzo1x_c.ch},
 * {@code src/lzo1x_1.c}, {@code src/config1x.h}, {@code src/lzo_dict.h}); every choice that shapes
 * the output is one of those facts, noted where it is made. The build that matters is the one on
 * little-endian machines with unaligned loads (x86_64, arm64), whose dictionary holds 16-bit offsets
 * and is cleared per chunk (liblzo2's "deterministic" variant); its match-length scan checks the
 * chunk bound at the same points whatever its stride, so 32- and 64-bit builds agree.
 *
 * <p>Not thread-safe: one instance per thread. It keeps its hash table between calls, so no call
 * allocates.
 */
public final class Lzo1x1Compressor {
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** lzo1x_1_compress encodes its input in chunks of at most this many bytes, each with a fresh dictionary. */
    static final int CHUNK_SIZE = 49152;
    /** D_BITS of LZO1X-1: the dictionary has 2^14 entries. */
    private static final int HASH_BITS = 14;
    /** The DINDEX multiplier of lzo1x_1.c, applied to the little-endian 32-bit word at the position. */
    private static final int HASH_MULTIPLIER = 0x1824429d;
    /** Matches are not looked for in the last 20 bytes of a chunk; a chunk is compressed only if longer. */
    private static final int CHUNK_TAIL = 20;

    // LZO1X instruction limits and markers (config1x.h)
    private static final int M2_MAX_LEN = 8;
    private static final int M2_MAX_OFFSET = 0x0800;
    private static final int M3_MAX_LEN = 33;
    private static final int M3_MAX_OFFSET = 0x4000;
    private static final int M4_MAX_LEN = 9;
    private static final int M3_MARKER = 32;
    private static final int M4_MARKER = 16;
    /** A first literal run of up to this many bytes, with nothing before it, has a one-byte header 17 + length. */
    private static final int FIRST_LITERALS_SHORT_MAX = 238;

    /**
     * Instead of clearing 2^14 entries for every chunk (as liblzo2's memset does; for a 4 KiB page
     * that would cost more than the page), entries hold {@code generation + offset}: a value below the
     * current generation is from an earlier chunk and reads as offset 0, which is what a cleared entry
     * holds. Chunk offsets stay below {@link #GENERATION_STEP}.
     */
    private static final int GENERATION_STEP = 1 << 16;
    private static final int LAST_GENERATION = Integer.MAX_VALUE - 2 * GENERATION_STEP;

    private final int[] table = new int[1 << HASH_BITS];
    private int generation;
    /** Literals a chunk leaves unwritten at its end, for the next chunk or the final run. */
    private int trailingLiterals;

    /** Largest output for {@code length} input bytes (LZO1X's worst case: length + length/16 + 64 + 3). */
    public static int maxCompressedLength(int length) {
        return length + length / 16 + 64 + 3;
    }

    /**
     * Compresses {@code src[srcOff..srcOff+length)} into {@code dst[dstOff..dstOff+dstCapacity)} as one
     * LZO1X stream, ending with LZO's end-of-stream instruction.
     *
     * @return the compressed length, or -1 if it would exceed {@code dstCapacity} (nothing beyond
     *         {@code dstOff + dstCapacity} is written)
     */
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        int limit = dstOff + dstCapacity;
        int op = dstOff;
        int chunk = srcOff;
        int remaining = length;
        int pending = 0;
        // lzo1x_1_compress stops chunking when at most 20 bytes are left, or when the pending literals
        // and the next chunk come to fewer than 32 bytes (its guard against pointer overflow,
        // ll_end + ((t + ll) >> 5) <= ll_end, is also true whenever (t + ll) >> 5 is 0)
        while (remaining > CHUNK_TAIL) {
            int chunkLength = Math.min(remaining, CHUNK_SIZE);
            if ((pending + chunkLength) >>> 5 == 0) {
                break;
            }
            nextGeneration();
            op = compressChunk(src, chunk, chunkLength, pending, dst, op, limit);
            if (op < 0) {
                return -1;
            }
            pending = trailingLiterals;
            chunk += chunkLength;
            remaining -= chunkLength;
        }
        pending += remaining;
        if (pending > 0) {
            int from = srcOff + length - pending;
            if (op == dstOff && pending <= FIRST_LITERALS_SHORT_MAX) {
                if (1 + pending > limit - op) {
                    return -1;
                }
                dst[op++] = (byte) (17 + pending);
                System.arraycopy(src, from, dst, op, pending);
                op += pending;
            } else {
                op = writeLiterals(src, from, pending, dst, op, limit);
                if (op < 0) {
                    return -1;
                }
            }
        }
        // end of stream: an M4 instruction with distance 0
        if (3 > limit - op) {
            return -1;
        }
        dst[op++] = (byte) (M4_MARKER | 1);
        dst[op++] = 0;
        dst[op++] = 0;
        return op - dstOff;
    }

    private void nextGeneration() {
        if (generation >= LAST_GENERATION) {
            Arrays.fill(table, 0);
            generation = 0;
        } else {
            generation += GENERATION_STEP;
        }
    }

    /**
     * Encodes the matches of one chunk {@code src[in..in+inLength)} and the literals before each;
     * {@code carried} literals that end at {@code in} belong to this chunk's first run. Leaves the
     * count of literals after the last match in {@link #trailingLiterals}.
     *
     * @return the output position after the chunk, or -1 if the output does not fit
     */
    private int compressChunk(byte[] src, int in, int inLength, int carried, byte[] dst, int op, int limit) {
        int[] table = this.table;
        int generation = this.generation;
        int scanEnd = in + inLength - CHUNK_TAIL;
        int literalStart = in;
        // the first position looked at: 4 bytes (counting carried literals) into the run, plus one step of the skip rule
        int ip = in + (carried < 4 ? 4 - carried : 0);
        ip += 1 + ((ip - literalStart) >> 5);
        while (ip < scanEnd) {
            int word = (int) LE_INT.get(src, ip);
            int slot = (word * HASH_MULTIPLIER) >>> (32 - HASH_BITS);
            int candidate = in + Math.max(table[slot] - generation, 0);
            table[slot] = generation + (ip - in);
            if (word != (int) LE_INT.get(src, candidate)) {
                // liblzo2's skip rule: the longer the literal run, the larger the step (1 + run / 32)
                ip += 1 + ((ip - literalStart) >> 5);
                continue;
            }
            literalStart -= carried;
            carried = 0;
            int literals = ip - literalStart;
            if (literals > 0) {
                op = writeLiterals(src, literalStart, literals, dst, op, limit);
                if (op < 0) {
                    return -1;
                }
            }
            int length = matchLength(src, ip, candidate, scanEnd);
            int distance = ip - candidate;
            ip += length;
            literalStart = ip;
            op = writeMatch(length, distance, dst, op, limit);
            if (op < 0) {
                return -1;
            }
        }
        trailingLiterals = in + inLength - (literalStart - carried);
        return op;
    }

    /**
     * Length of the match at {@code ip} whose first 4 bytes equal those at {@code candidate}. The
     * scan compares 8 bytes at a time and, as liblzo2's does, gives up at the first multiple-of-8
     * step (4 + 8k bytes) that reaches {@code scanEnd}, even if more bytes match.
     */
    private static int matchLength(byte[] src, int ip, int candidate, int scanEnd) {
        int length = 4;
        long diff = (long) LE_LONG.get(src, ip + length) ^ (long) LE_LONG.get(src, candidate + length);
        while (diff == 0) {
            length += 8;
            if (ip + length >= scanEnd) {
                return length;
            }
            diff = (long) LE_LONG.get(src, ip + length) ^ (long) LE_LONG.get(src, candidate + length);
        }
        return length + (Long.numberOfTrailingZeros(diff) >>> 3);
    }

    /**
     * Writes a literal run of {@code count > 0} bytes that follows a match (or opens the stream
     * with a length over 3): up to 3 literals go into the low bits of the previous instruction's
     * second-to-last byte, up to 18 take one byte (count - 3), longer runs a zero byte, a zero per
     * 255 and the remainder.
     */
    private static int writeLiterals(byte[] src, int from, int count, byte[] dst, int op, int limit) {
        if (count <= 3) {
            if (count > limit - op) {
                return -1;
            }
            dst[op - 2] |= (byte) count;
        } else if (count <= 18) {
            if (1 + count > limit - op) {
                return -1;
            }
            dst[op++] = (byte) (count - 3);
        } else {
            int rest = count - 18;
            int zeros = (rest - 1) / 255;
            if (2 + zeros + count > limit - op) {
                return -1;
            }
            dst[op++] = 0;
            op = writeZeros(dst, op, zeros);
            dst[op++] = (byte) (rest - zeros * 255);
        }
        System.arraycopy(src, from, dst, op, count);
        return op + count;
    }

    /**
     * Writes one match instruction. M2 (2 bytes) for lengths up to 8 within 2 KiB; M3 for distances
     * up to 16 KiB and M4 beyond, each a marker byte with the length (or 0 followed by a zero per 255
     * and the remainder when longer than 33, resp. 9) then two bytes of distance; M4 carries bit 14
     * of (distance - 16 KiB) in its marker.
     */
    private static int writeMatch(int length, int distance, byte[] dst, int op, int limit) {
        if (length <= M2_MAX_LEN && distance <= M2_MAX_OFFSET) {
            if (2 > limit - op) {
                return -1;
            }
            int d = distance - 1;
            dst[op++] = (byte) (((length - 1) << 5) | ((d & 7) << 2));
            dst[op++] = (byte) (d >>> 3);
            return op;
        }
        int marker;
        int maxShortLength;
        int d;
        if (distance <= M3_MAX_OFFSET) {
            d = distance - 1;
            marker = M3_MARKER;
            maxShortLength = M3_MAX_LEN;
        } else {
            d = distance - 0x4000;
            marker = M4_MARKER | ((d >>> 11) & 8);
            maxShortLength = M4_MAX_LEN;
        }
        if (length <= maxShortLength) {
            if (3 > limit - op) {
                return -1;
            }
            dst[op++] = (byte) (marker | (length - 2));
        } else {
            int rest = length - maxShortLength;
            int zeros = (rest - 1) / 255;
            if (4 + zeros > limit - op) {
                return -1;
            }
            dst[op++] = (byte) marker;
            op = writeZeros(dst, op, zeros);
            dst[op++] = (byte) (rest - zeros * 255);
        }
        dst[op++] = (byte) (d << 2);
        dst[op++] = (byte) (d >>> 6);
        return op;
    }

    private static int writeZeros(byte[] dst, int op, int count) {
        if (count > 0) {
            Arrays.fill(dst, op, op + count, (byte) 0);
        }
        return op + count;
    }
}
