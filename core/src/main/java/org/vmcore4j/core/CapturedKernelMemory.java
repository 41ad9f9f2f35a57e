package org.vmcore4j.core;

import java.util.Locale;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The crashed kernel's physical memory inside a whole-machine image taken while its capture kernel
 * ran: the RAM its {@link Elfcorehdr}'s PT_LOADs name, each read where the PT_LOAD says, so the
 * backed-up low range comes from kexec's copy, as /proc/vmcore serves it (Linux
 * {@code fs/proc/vmcore.c} reads old memory at {@code p_offset}).
 *
 * <p>Everything else in the image (the crash kernel's reservation with the backup copy, the low memory
 * a kexec_file_load capture kernel was given, firmware areas) is not the crashed kernel's memory: its
 * frames have status {@link PageStatus#NOT_RAM}, so a collector leaves them out, and reads there throw
 * {@link MemoryAccessException} with {@link MemoryAccessException.Reason#CAPTURE_KERNEL_MEMORY} where
 * the image holds the bytes. Bytes of a frame that a PT_LOAD only partly covers read as zeros, as
 * readers of /proc/vmcore fill them. Where the image lacks a page a PT_LOAD names, the frame is
 * {@link PageStatus#LOST}; where the image excluded it (a filtered kdump-compressed image), it stays
 * {@link PageStatus#EXCLUDED}.
 */
final class CapturedKernelMemory implements PhysicalMemory {
    private final PhysicalMemory image;
    private final int pageSize;
    private final int pageShift;
    /** Disjoint pieces sorted by start: crashed-kernel {@code [start, end)} read at {@code source + (a - start)}. */
    private final long[] start;
    private final long[] end;
    private final long[] source;
    private final List<PhysicalRange> ranges;
    private final long endPfn;

    CapturedKernelMemory(PhysicalMemory image, Elfcorehdr header) {
        this.image = image;
        this.pageSize = image.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        List<long[]> pieces = new ArrayList<>();
        for (Elfcorehdr.Load l : header.loads()) {
            // The first PT_LOAD naming an address decides, as makedumpfile's closest_pt_load; kexec's
            // overlapping PT_LOADs (kernel text over RAM) read from the same place anyway.
            addUncovered(pieces, l.physicalAddress(), l.physicalEnd(), l.sourceAddress());
        }
        pieces.sort((a, b) -> Long.compare(a[0], b[0]));
        int n = pieces.size();
        start = new long[n];
        end = new long[n];
        source = new long[n];
        for (int i = 0; i < n; i++) {
            start[i] = pieces.get(i)[0];
            end[i] = pieces.get(i)[1];
            source[i] = pieces.get(i)[2];
        }
        this.ranges = Collections.unmodifiableList(header.crashedKernelRanges());
        this.endPfn = (ranges.get(ranges.size() - 1).end() + pageSize - 1) >>> pageShift;
    }

    /** Adds the parts of {@code [s, e)} no piece covers yet. */
    private static void addUncovered(List<long[]> pieces, long s, long e, long src) {
        List<long[]> todo = new ArrayList<>();
        todo.add(new long[] {s, e});
        for (long[] p : pieces) {
            List<long[]> next = new ArrayList<>();
            for (long[] t : todo) {
                if (t[1] <= p[0] || p[1] <= t[0]) {
                    next.add(t);
                    continue;
                }
                if (t[0] < p[0]) {
                    next.add(new long[] {t[0], p[0]});
                }
                if (p[1] < t[1]) {
                    next.add(new long[] {p[1], t[1]});
                }
            }
            todo = next;
        }
        for (long[] t : todo) {
            pieces.add(new long[] {t[0], t[1], src + (t[0] - s)});
        }
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    @Override
    public List<PhysicalRange> ranges() {
        return ranges;
    }

    @Override
    public long endPfn() {
        return endPfn;
    }

    /** Index of the first piece ending after {@code addr}, or {@code start.length}. */
    private int firstEndingAfter(long addr) {
        int i = Arrays.binarySearch(end, addr);
        return i >= 0 ? i + 1 : -i - 1;
    }

    @Override
    public PageStatus status(long pfn) {
        if (pfn < 0 || pfn >= endPfn) {
            return PageStatus.NOT_RAM;
        }
        long a = pfn << pageShift;
        long b = a + pageSize;
        PageStatus result = PageStatus.NOT_RAM;
        for (int i = firstEndingAfter(a); i < start.length && start[i] < b; i++) {
            long s = Math.max(a, start[i]);
            long e = Math.min(b, end[i]);
            long src = source[i] + (s - start[i]);
            for (long f = src >>> pageShift; f <= (src + (e - s) - 1) >>> pageShift; f++) {
                PageStatus st = image.status(f);
                if (st == PageStatus.NOT_RAM) {
                    st = PageStatus.LOST; // the crashed kernel's RAM, but the image lacks it
                }
                result = worse(result, st);
            }
        }
        return result;
    }

    /** PRESENT only if every piece is; LOST over EXCLUDED over PRESENT. */
    private static PageStatus worse(PageStatus sofar, PageStatus next) {
        if (sofar == PageStatus.NOT_RAM) {
            return next;
        }
        return next.ordinal() > sofar.ordinal() ? next : sofar;
    }

    @Override
    public long statusRunEnd(long pfn) {
        long a = pfn << pageShift;
        int i = firstEndingAfter(a);
        if (pfn < 0 || pfn >= endPfn || i >= start.length || start[i] > a || ((source[i] - start[i]) & (pageSize - 1)) != 0) {
            return pfn + 1; // in a hole, or a piece whose copy is not page-aligned: frame by frame
        }
        long pieceEndPfn = end[i] >>> pageShift; // frames wholly inside this piece
        if (pieceEndPfn <= pfn) {
            return pfn + 1;
        }
        long srcPfn = (source[i] + (a - start[i])) >>> pageShift;
        if (image.status(srcPfn) == PageStatus.NOT_RAM) {
            return pfn + 1;
        }
        return Math.min(pieceEndPfn, pfn + (image.statusRunEnd(srcPfn) - srcPfn));
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) throws IOException {
        long pos = paddr;
        long stop = paddr + len;
        while (pos < stop) {
            long frameEnd = Math.min(stop, ((pos >>> pageShift) + 1) << pageShift);
            readWithinFrame(pos, frameEnd, dst, off + (int) (pos - paddr));
            pos = frameEnd;
        }
    }

    private void readWithinFrame(long a, long b, byte[] dst, int off) throws IOException {
        int i = firstEndingAfter(a);
        long frame = (a >>> pageShift) << pageShift;
        if (i >= start.length || start[i] >= frame + pageSize) {
            throw outside(a);
        }
        long pos = a;
        for (; pos < b && i < start.length && start[i] < b; i++) {
            if (start[i] > pos) {
                Arrays.fill(dst, off + (int) (pos - a), off + (int) (start[i] - a), (byte) 0);
                pos = start[i];
            }
            long e = Math.min(b, end[i]);
            try {
                image.read(source[i] + (pos - start[i]), dst, off + (int) (pos - a), (int) (e - pos));
            } catch (MemoryAccessException notInImage) {
                throw new MemoryAccessException(notInImage.reason() == MemoryAccessException.Reason.NOT_RAM
                        ? MemoryAccessException.Reason.LOST : notInImage.reason(), pos, String.format(Locale.ROOT,
                        "physical address 0x%x of the crashed kernel cannot be read from the image: %s", pos,
                        notInImage.getMessage()));
            }
            pos = e;
        }
        if (pos < b) {
            Arrays.fill(dst, off + (int) (pos - a), off + (int) (b - a), (byte) 0);
        }
    }

    private MemoryAccessException outside(long paddr) {
        boolean inImage = image.status(paddr >>> pageShift) != PageStatus.NOT_RAM;
        return new MemoryAccessException(inImage ? MemoryAccessException.Reason.CAPTURE_KERNEL_MEMORY
                : MemoryAccessException.Reason.NOT_RAM, paddr, String.format(Locale.ROOT, inImage
                ? "physical address 0x%x is in the image but not the crashed kernel's memory (the crash kernel's "
                        + "reservation or memory it was given; its elfcorehdr names no RAM there)"
                : "physical address 0x%x is not RAM in the dump", paddr));
    }

    @Override
    public String toString() {
        return "crashed kernel's memory (" + start.length + " pieces) in " + image;
    }
}
