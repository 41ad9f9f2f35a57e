package org.vmcore4j.kdump;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntPredicate;

/**
 * Why no header layout (32/64-bit, little/big endian) fits a kdump header: the first reading whose
 * block size is a page size names the field that fails, so a valid block size is never blamed for
 * a bitmap that is missing, too small or outside the file.
 */
final class HeaderLayoutDiagnosis {
    private HeaderLayoutDiagnosis() {
    }

    /** The field at fault ({@code offset} in the header) and what is wrong with it. */
    record Reason(long offset, String text) {
    }

    /**
     * The reason, for a header {@code head} of a file of {@code fileSize} bytes that no layout
     * accepts, given the block size test {@code plausible}.
     */
    static Reason explain(byte[] head, long fileSize, IntPredicate plausible, int maxVersion) {
        for (HeaderLayout l : new HeaderLayout[] {HeaderLayout.LP64, HeaderLayout.ILP32_PACK}) {
            if (head.length < l.headerSize()) {
                continue;
            }
            for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                ByteBuffer b = ByteBuffer.wrap(head).order(o);
                int bs = b.getInt(l.offBlockSize());
                int v = b.getInt(HeaderLayout.OFF_VERSION);
                if (!plausible.test(bs) || v < 0 || v > maxVersion) {
                    continue;
                }
                String reading = (l.is64() ? "64-bit " : "32-bit ")
                        + (o == ByteOrder.LITTLE_ENDIAN ? "little-endian" : "big-endian") + " header (block_size "
                        + bs + ", header_version " + v + ")";
                long bb = Integer.toUnsignedLong(b.getInt(l.offBitmapBlocks()));
                long mm = Integer.toUnsignedLong(b.getInt(l.offMaxMapnr()));
                int sub = b.getInt(l.offSubHdrSize());
                if (bb == 0) {
                    return new Reason(l.offBitmapBlocks(), "bitmap_blocks is 0 in the " + reading + ": the file has no page bitmaps, so it says "
                            + "neither which frames are RAM nor which it holds");
                }
                if (8L * bb * bs < mm) {
                    return new Reason(l.offBitmapBlocks(), "bitmap_blocks " + bb + " in the " + reading + " describe "
                            + 8L * bb * bs + " frames, fewer than max_mapnr " + mm);
                }
                if (sub < 0 || KdumpFile.usedBitmapsEnd(sub, bb, bs, mm) > fileSize) {
                    return new Reason(l.offBitmapBlocks(), "the sub-header (" + sub + " blocks) and bitmaps (" + bb
                            + " blocks) of the " + reading + " end past the end of the file (size " + fileSize + ")");
                }
            }
        }
        int bs = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(HeaderLayout.LP64.offBlockSize());
        return new Reason(HeaderLayout.LP64.offBlockSize(), "no header layout (32/64-bit, little/big endian) has a "
                + "valid block size and header version (64-bit little-endian block_size reads " + bs + ")");
    }
}
