package org.vmcore4j.kdump.internal.codec;

import static org.vmcore4j.kdump.internal.codec.UncheckedLittleEndian.getInt;
import static org.vmcore4j.kdump.internal.codec.UncheckedLittleEndian.getLong;
import static org.vmcore4j.kdump.internal.codec.UncheckedLittleEndian.putLong;
import static org.vmcore4j.kdump.internal.codec.UncheckedLittleEndian.putShort;

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
 * <p>Its loads and stores of 2, 4 and 8 bytes go through {@link UncheckedLittleEndian}, which on
 * Java 17-22 does not check their indices. Every one is in bounds by the algorithm's own limits,
 * stated where it is made: {@link #compress} checks both windows, positions probed stay 20 bytes
 * before the chunk's end, and every store is preceded by a check of the room left.
 *
 * <p>Not thread-safe: one instance per thread. It keeps its hash table between calls, so no call
 * allocates.
 */
public final class Lzo1x1Compressor {
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
     * The dictionary: for each hash, the latest position that had it, as a 16-bit count: position plus
     * a bias that makes positions a running count over every chunk this instance has compressed.
     * liblzo2 clears its table for each chunk; here an entry left from an earlier chunk gives a
     * distance reaching before the current chunk's start, and is then read as the chunk's start,
     * which is what a cleared entry means. That holds while {@code bytesSinceClear + chunkLength <=
     * 65536}, so the table is cleared only when that would fail: once every 16 pages of 4 KiB rather
     * than for each. 16-bit entries, as liblzo2's on these builds: a 32 KiB table.
     */
    private final char[] table = new char[1 << HASH_BITS];
    private static final char[] EMPTY_TABLE = new char[1 << HASH_BITS];
    /** The running count (mod 2^16) of the current chunk's first byte. */
    private int chunkCount;
    private int bytesSinceClear;

    // The output side of the current call. Fields rather than locals passed around, so that the
    // probe loop of compressChunk, which runs for most input bytes, keeps its values in registers.
    private byte[] out;
    private int outStart;
    private int outPos;
    private int outLimit;
    /** Literals before the current chunk not yet written: they open the chunk's first literal run. */
    private int carriedLiterals;

    /**
     * Largest output for {@code length} input bytes (LZO1X's worst case: length + length/16 + 64 + 3).
     *
     * @param length the number of input bytes
     * @return largest output for {@code length} input bytes (LZO1X's worst case: length + length/16 + 64 + 3)
     */
    public static int maxCompressedLength(int length) {
        return length + length / 16 + 64 + 3;
    }

    /**
     * Compresses {@code src[srcOff..srcOff+length)} into {@code dst[dstOff..dstOff+dstCapacity)} as one
     * LZO1X stream, ending with LZO's end-of-stream instruction.
     *
     * @param src the input bytes
     * @param srcOff where the input starts in {@code src}
     * @param length the number of input bytes
     * @param dst the buffer the bytes go to
     * @param dstOff where the output starts in {@code dst}
     * @param dstCapacity room for the output in {@code dst}, in bytes
     * @return the compressed length, or -1 if it would exceed {@code dstCapacity}. Nothing outside
     *         {@code dst[dstOff..dstOff+dstCapacity)} is written, but bytes of that window past the
     *         stream may be (literals are copied 16 bytes at a time).
     */
    public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        out = dst;
        outStart = dstOff;
        outPos = dstOff;
        outLimit = dstOff + dstCapacity;
        try {
            return encode(src, srcOff, length) ? outPos - dstOff : -1;
        } finally {
            out = null; // keep no reference to the caller's buffer
        }
    }

    /** lzo1x_1_compress's outer loop: the chunks, then the literals left and the end-of-stream instruction. */
    private boolean encode(byte[] src, int srcOff, int length) {
        int chunk = srcOff;
        int remaining = length;
        int pending = 0;
        // chunking stops when at most 20 bytes are left, or when the pending literals and the next
        // chunk come to fewer than 32 bytes (liblzo2's guard against pointer overflow,
        // ll_end + ((t + ll) >> 5) <= ll_end, is also true whenever (t + ll) >> 5 is 0)
        while (remaining > CHUNK_TAIL) {
            int chunkLength = Math.min(remaining, CHUNK_SIZE);
            if ((pending + chunkLength) >>> 5 == 0) {
                break;
            }
            if (bytesSinceClear + chunkLength > 1 << 16) {
                // an entry equal to the chunk's count reads as the chunk's start, as a cleared entry does;
                // a copy rather than Arrays.fill, which C1 compiles to a loop of single stores
                System.arraycopy(EMPTY_TABLE, 0, table, 0, table.length);
                chunkCount = 0;
                bytesSinceClear = 0;
            }
            carriedLiterals = pending;
            int trailing = compressChunk(src, chunk, chunkLength);
            // also after a failure: what this chunk left in the table must read as stale from now on
            chunkCount = (chunkCount + chunkLength) & 0xffff;
            bytesSinceClear += chunkLength;
            if (trailing < 0) {
                return false;
            }
            pending = trailing;
            chunk += chunkLength;
            remaining -= chunkLength;
        }
        pending += remaining;
        byte[] dst = out;
        int op = outPos;
        int limit = outLimit;
        if (pending > 0) {
            int from = srcOff + length - pending;
            if (op == outStart && pending <= FIRST_LITERALS_SHORT_MAX) {
                if (1 + pending > limit - op) {
                    return false;
                }
                dst[op++] = (byte) (17 + pending);
                System.arraycopy(src, from, dst, op, pending);
                op += pending;
            } else {
                op = writeLiterals(src, from, pending, dst, op, limit);
                if (op < 0) {
                    return false;
                }
            }
        }
        // end of stream: an M4 instruction with distance 0
        if (3 > limit - op) {
            return false;
        }
        dst[op++] = (byte) (M4_MARKER | 1);
        dst[op++] = 0;
        dst[op++] = 0;
        outPos = op;
        return true;
    }

    /**
     * The probe loop over one chunk {@code src[in..in+inLength)}: looks positions up in the dictionary
     * as the skip rule picks them, and hands each match to {@link #writeLiteralsAndMatch}.
     *
     * @return the literals after the chunk's last match (with any carried ones if it had none), or -1
     *         if the output does not fit
     */
    private int compressChunk(byte[] src, int in, int inLength) {
        char[] table = this.table;
        int bias = chunkCount - in; // an entry holds (position + bias) mod 2^16
        int scanEnd = in + inLength - CHUNK_TAIL;
        int literalStart = in;
        int carried = carriedLiterals;
        // the first position looked at: 4 bytes (counting carried literals) into the run, then one
        // step of the skip rule, as lzo1x_c.ch enters its loop at the literal step
        int ip = in + (carried < 4 ? 4 - carried : 0);
        ip += 1 + ((ip - literalStart) >> 5);
        while (ip < scanEnd) {
            // The skip rule: after a miss, step 1 + (literal run so far) / 32. Within 32 bytes of the
            // run's start, where most matches are found, the step is 1: that stretch has a loop of its
            // own, a counted loop the JIT unrolls (about 10 % faster on real pages).
            int candidate = -1;
            int stepOneEnd = Math.min(literalStart + 32, scanEnd);
            while (ip < stepOneEnd && (candidate = probe(src, table, bias, in, ip)) < 0) {
                ip++;
            }
            if (candidate < 0) {
                while (ip < scanEnd && (candidate = probe(src, table, bias, in, ip)) < 0) {
                    ip += 1 + ((ip - literalStart) >> 5);
                }
                if (candidate < 0) {
                    break;
                }
            }
            ip = writeLiteralsAndMatch(src, literalStart, ip, candidate, scanEnd);
            if (ip < 0) {
                return -1;
            }
            literalStart = ip;
        }
        return in + inLength - (literalStart - carriedLiterals);
    }

    /**
     * Looks {@code ip} up in the dictionary and records it there (lzo1x_1.c's DINDEX: the LE32 word
     * at ip times 0x1824429d, top 14 bits).
     *
     * @return the earlier position whose 4 bytes equal those at {@code ip}, or -1
     */
    private static int probe(byte[] src, char[] table, int bias, int in, int ip) {
        // in bounds: in <= candidate <= ip < scanEnd, which is 20 bytes before the chunk's end
        int word = getInt(src, ip);
        int slot = (word * HASH_MULTIPLIER) >>> (32 - HASH_BITS);
        // a distance reaching before the chunk means a stale entry: read as the chunk's start
        int candidate = Math.max(ip - ((ip + bias - table[slot]) & 0xffff), in);
        table[slot] = (char) (ip + bias);
        return word == getInt(src, candidate) ? candidate : -1;
    }

    /**
     * Writes the literals {@code src[literalStart..ip)} (with any carried from the previous chunk) and
     * the match at {@code ip} against {@code candidate}, whose first 4 bytes are equal.
     *
     * <p>Deliberately one method larger than C2's inlining limit (FreqInlineSize, 325 bytes of
     * bytecode): inlined into the probe loop, its many values made the JIT spill the loop's own to
     * the stack, which cost about a quarter of the throughput.
     *
     * @return the position after the match, or -1 if the output does not fit
     */
    private int writeLiteralsAndMatch(byte[] src, int literalStart, int ip, int candidate, int scanEnd) {
        byte[] dst = out;
        int op = outPos;
        int limit = outLimit;
        literalStart -= carriedLiterals;
        carriedLiterals = 0;

        int literals = ip - literalStart;
        if (literals > 0) {
            if (literals <= 16 && 17 <= limit - op) {
                // the common short run (see writeLiterals), its bytes copied 16 at once: those past the
                // run are overwritten by what follows, and the input has 20 bytes after any match
                if (literals <= 3) {
                    dst[op - 2] |= (byte) literals;
                } else {
                    dst[op++] = (byte) (literals - 3);
                }
                putLong(dst, op, getLong(src, literalStart));
                putLong(dst, op + 8, getLong(src, literalStart + 8));
                op += literals;
            } else {
                op = writeLiterals(src, literalStart, literals, dst, op, limit);
                if (op < 0) {
                    return -1;
                }
            }
        }

        // the match length: 8 bytes compared at a time from byte 4 on; as liblzo2's scan does, it
        // gives up at the first step of 8 (4 + 8k bytes) that reaches scanEnd, even if more bytes match
        // (so every 8-byte load starts before scanEnd and ends before the chunk does)
        int length = 4;
        long diff = getLong(src, ip + 4) ^ getLong(src, candidate + 4);
        while (diff == 0) {
            length += 8;
            if (ip + length >= scanEnd) {
                break;
            }
            diff = getLong(src, ip + length) ^ getLong(src, candidate + length);
        }
        // the equal low bytes of the differing word, counted a byte at a time: C1, which the collector
        // runs on, has no intrinsic for Long.numberOfTrailingZeros and calls its Java code instead
        while (diff != 0 && (diff & 0xff) == 0) {
            diff >>>= 8;
            length++;
        }

        // the match instruction: M2 (2 bytes) for lengths up to 8 within 2 KiB; M3 for distances up
        // to 16 KiB and M4 beyond, each a marker byte with the length (or 0, a zero per 255 and the
        // remainder when longer than 33, resp. 9) then two bytes of distance; M4 carries bit 14 of
        // (distance - 16 KiB) in its marker
        int distance = ip - candidate;
        if (length <= M2_MAX_LEN && distance <= M2_MAX_OFFSET) {
            if (2 > limit - op) {
                return -1;
            }
            int d = distance - 1;
            putShort(dst, op, (short) (((length - 1) << 5) | ((d & 7) << 2) | (d >>> 3) << 8));
            op += 2;
        } else {
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
        }
        outPos = op;
        return ip + length;
    }

    /**
     * Writes a literal run of {@code count > 0} bytes that follows a match, or opens the stream with
     * more than 238 bytes or before a match: up to 3 literals go into the low bits of the previous
     * instruction's second-to-last byte, up to 18 take one byte (count - 3), longer runs a zero byte,
     * a zero per 255 and the remainder.
     *
     * @return the output position after the run, or -1 if it does not fit
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

    /** Writes the {@code count} zero bytes of a long run's length (usually none or a few; no call to Arrays.fill, which C1 does not inline). */
    private static int writeZeros(byte[] dst, int op, int count) {
        for (int end = op + count; op < end; op++) {
            dst[op] = 0;
        }
        return op;
    }
}
