package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Joins a {@code --split} set into one kdump-compressed file, as {@code makedumpfile --reassemble}
 * does: headers, notes and bitmaps from the set (the sub-header's split fields cleared, the
 * header of an INCOMPLETE part if there is one), a descriptor table for every dumpable page, and
 * the parts' page data copied as stored, never recompressed. The result equals the file a
 * non-split run writes (layout per makedumpfile's reassemble_kdump_header / _pages).
 *
 * <p>Pages are copied one at a time through a fixed buffer; memory does not grow with the dump.
 */
public final class KdumpReassembler {
    private static final int FLUSH_BYTES = 1 << 20;

    /** What a reassembly did. */
    public record Result(long pages, long bytes) {
    }

    /** Progress of a reassembly, in pages. */
    public interface Listener {
        /**
         * Reports how far the rebuild is.
         *
         * @param done pages written so far
         * @param total pages to write
         */
        void progress(long done, long total);
    }

    private KdumpReassembler() {
    }

    /**
     * Writes the split set {@code set} (as {@link KdumpVmcore#openSplitSet} opened it, parts in PFN
     * order) into {@code sink}, then calls {@link DumpSink#finish()}.
     *
     * @param set the set
     * @param sink where the output goes
     * @param listener the listener
     * @return the result
     * @throws IOException if reading or writing fails
     */
    public static Result reassemble(KdumpVmcore set, DumpSink sink, Listener listener) throws IOException {
        List<KdumpFile> parts = set.files();
        KdumpFile first = parts.get(0);
        refuseMissingPages(parts);
        HeaderLayout layout = first.layout();
        int blockSize = first.blockSize();
        KdumpFile headerSource = parts.get(parts.size() - 1);
        for (KdumpFile p : parts) {
            if (p.incomplete()) {
                headerSource = p;
                break;
            }
        }
        RandomAccessSource src0 = first.source();
        sink.write(0, ByteBuffer.wrap(headerSource.source().readBytes(0, layout.headerSize())));

        ByteBuffer sub = ByteBuffer.wrap(src0.readBytes(blockSize, layout.subHeaderSize())).order(first.byteOrder());
        int ps = layout.pointerSize();
        sub.putInt(layout.subSplit(), 0);
        putWord(sub, layout.subStartPfn(), ps);
        putWord(sub, layout.subEndPfn(), ps);
        sub.putLong(layout.subStartPfn64(), 0);
        sub.putLong(layout.subEndPfn64(), 0);
        // eraseinfo is rewritten below from the parts'
        sub.putLong(layout.subOffsetEraseinfo(), 0);
        putWord(sub, layout.subSizeEraseinfo(), ps);
        sink.write(blockSize, sub.duplicate().clear());

        byte[] notes = first.noteBlob();
        if (notes.length > 0) {
            sink.write(first.noteOffset(), ByteBuffer.wrap(notes));
        }
        long bitmapStart = (1L + first.header().subHeaderBlocks()) * blockSize;
        long bitmapEnd = first.descriptorTableOffset();
        copy(src0, bitmapStart, bitmapEnd - bitmapStart, sink, bitmapStart);

        PageBitmap dumpable = first.dumpableBitmap();
        long total = dumpable.cardinality();
        long descriptorAt = first.descriptorTableOffset();
        long dataAt = descriptorAt + PageDescriptor.SIZE * total;
        boolean sharedZero = (first.subHeader().dumpLevel() & 1) != 0;
        long zeroPage = dataAt; // every part keeps its shared zero page first, at this same offset
        ByteBuffer descriptors = ByteBuffer.allocate(FLUSH_BYTES / 16 / PageDescriptor.SIZE * PageDescriptor.SIZE)
                .order(first.byteOrder());
        ByteBuffer data = ByteBuffer.allocate(FLUSH_BYTES + blockSize);
        long dataBufferAt = dataAt;
        if (sharedZero) {
            data.put(new byte[blockSize]);
            dataAt += blockSize;
        }
        long done = 0;
        byte[] page = new byte[blockSize];
        for (KdumpFile part : parts) {
            RandomAccessSource src = part.source();
            long end = Math.min(part.endPfn(), first.maxMapnr());
            for (long pfn = dumpable.nextSetBit(part.startPfn()); pfn >= 0 && pfn < end;
                    pfn = dumpable.nextSetBit(pfn + 1)) {
                PageDescriptor pd = part.descriptor(pfn).orElseThrow(() -> new VmcoreFormatException(
                        part.description(), 0, "a dumpable page has no descriptor"));
                if (pd.lost()) {
                    throw new VmcoreFormatException(part.description(), part.descriptorPosition(pfn),
                            "PFN " + pfn + " was never written (an incomplete part); cannot reassemble it");
                }
                if (sharedZero && pd.offset() == zeroPage) {
                    descriptors.putLong(zeroPage).putInt(blockSize).putInt(0).putLong(0);
                } else {
                    if (pd.size() <= 0 || pd.size() > blockSize || pd.offset() + pd.size() > src.size()) {
                        throw new VmcoreFormatException(part.description(), part.descriptorPosition(pfn),
                                "page descriptor of PFN " + pfn + " is out of bounds: " + pd);
                    }
                    src.read(pd.offset(), page, 0, pd.size());
                    if (data.remaining() < pd.size()) {
                        data.flip();
                        sink.write(dataBufferAt, data);
                        dataBufferAt += data.limit();
                        data.clear();
                    }
                    data.put(page, 0, pd.size());
                    descriptors.putLong(dataAt).putInt(pd.size()).putInt(pd.flags()).putLong(pd.pageFlags());
                    dataAt += pd.size();
                }
                if (!descriptors.hasRemaining()) {
                    descriptors.flip();
                    sink.write(descriptorAt, descriptors);
                    descriptorAt += descriptors.limit();
                    descriptors.clear();
                }
                done++;
                if ((done & 1023) == 0) {
                    listener.progress(done, total);
                }
            }
        }
        data.flip();
        sink.write(dataBufferAt, data);
        descriptors.flip();
        sink.write(descriptorAt, descriptors);

        long eraseAt = dataAt;
        long eraseSize = 0;
        for (KdumpFile part : parts) {
            byte[] e = part.eraseInfo().orElse(null);
            if (e != null && e.length > 0) {
                sink.write(eraseAt + eraseSize, ByteBuffer.wrap(e));
                eraseSize += e.length;
            }
        }
        if (eraseSize > 0) {
            sub.putLong(layout.subOffsetEraseinfo(), eraseAt);
            if (ps == 8) {
                sub.putLong(layout.subSizeEraseinfo(), eraseSize);
            } else {
                sub.putInt(layout.subSizeEraseinfo(), (int) eraseSize);
            }
            sink.write(blockSize, sub.duplicate().clear());
        }
        listener.progress(done, total);
        sink.finish();
        return new Result(done, dataAt + eraseSize);
    }

    /**
     * A set may leave frames to no part (it reads with them absent), but one file holds every page
     * its bitmap says is dumpable: a dumpable frame in no part means a part is missing.
     */
    private static void refuseMissingPages(List<KdumpFile> parts) throws IOException {
        KdumpFile first = parts.get(0);
        PageBitmap dumpable = first.dumpableBitmap();
        long from = 0;
        for (int i = 0; i <= parts.size(); i++) {
            long to = i < parts.size() ? parts.get(i).startPfn() : first.maxMapnr();
            long pfn = from < to ? dumpable.nextSetBit(from) : -1;
            if (pfn >= 0 && pfn < to) {
                throw new VmcoreFormatException(first.description(), -1, "the split set has no part holding PFNs ["
                        + from + ", " + to + "), of which PFN " + pfn + " is dumpable: a part is missing, so the set "
                        + "cannot be reassembled");
            }
            from = i < parts.size() ? parts.get(i).endPfn() : from;
        }
    }

    private static void putWord(ByteBuffer b, int off, int size) {
        if (size == 8) {
            b.putLong(off, 0);
        } else {
            b.putInt(off, 0);
        }
    }

    private static void copy(RandomAccessSource src, long from, long length, DumpSink sink, long to)
            throws IOException {
        byte[] buf = new byte[(int) Math.min(FLUSH_BYTES, Math.max(length, 1))];
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(buf.length, length - done);
            src.read(from + done, buf, 0, n);
            sink.write(to + done, ByteBuffer.wrap(buf, 0, n));
            done += n;
        }
    }
}
