package org.vmcore4j.elf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Physical memory of an ELF vmcore, from its PT_LOAD segments.
 *
 * <p>The segments are flattened once into a sorted table of disjoint pieces, each either file data
 * (with its file offset), zero fill ({@code p_memsz} beyond {@code p_filesz}) or lost (file data the
 * headers promise but a truncated file lacks). Where segments overlap (x86_64 vmcores map kernel text
 * a second time, at its 0xffffffff8... address, over RAM another PT_LOAD already covers) the first
 * segment in program header order that holds file data there decides, as in makedumpfile's
 * {@code closest_pt_load}; but, unlike makedumpfile, one segment's zero fill never hides another's
 * file data (see {@link #flatten}). PT_LOADs
 * with {@code p_memsz == 0} or an all-ones {@code p_paddr} have no physical memory and are skipped.
 *
 * <p>Page frames: {@link PageStatus#LOST} if any byte of the frame is lost; else
 * {@link PageStatus#PRESENT} if any byte is file data; else {@link PageStatus#EXCLUDED} if any byte
 * is zero fill; else {@link PageStatus#NOT_RAM}. Reads check every frame they touch: NOT_RAM and LOST
 * frames throw {@link MemoryAccessException}; in PRESENT and EXCLUDED frames, bytes that are not file
 * data read as zeros (ELF's memsz > filesz rule, and makedumpfile's and libkdumpfile's zero fill of
 * the part of a frame that a segment only partly covers).
 *
 * <p>Lookups binary-search the piece table and remember the last piece hit, so sequential reads cost
 * one comparison. That memo is a plain field: a racing thread at worst misses it, never misreads.
 */
final class ElfPhysicalMemory implements PhysicalMemory {
    /** Physical addresses beyond 2^60 exist on no Linux architecture; the cap keeps pfn arithmetic in range. */
    static final long MAX_PHYSICAL_END = 1L << 60;

    private static final byte FILE = 0;
    private static final byte ZERO = 1;
    private static final byte LOST = 2;

    private final RandomAccessSource source;
    private final int pageSize;
    private final int pageShift;
    private final long[] start;
    private final long[] end;
    /** File offset of the piece's first byte (FILE: where it is; LOST: where it should have been). */
    private final long[] fileOffset;
    private final byte[] kind;
    private final int count;
    private final List<PhysicalRange> ranges;
    private final long endPfn;
    private int lastHit;

    private ElfPhysicalMemory(RandomAccessSource source, int pageSize, Pieces p, long maxEnd) {
        this.source = source;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.start = Arrays.copyOf(p.start, p.n);
        this.end = Arrays.copyOf(p.end, p.n);
        this.fileOffset = Arrays.copyOf(p.off, p.n);
        this.kind = Arrays.copyOf(p.kind, p.n);
        this.count = p.n;
        List<PhysicalRange> r = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int last = r.size() - 1;
            if (last >= 0 && r.get(last).end() == start[i]) {
                r.set(last, new PhysicalRange(r.get(last).start(), end[i]));
            } else {
                r.add(new PhysicalRange(start[i], end[i]));
            }
        }
        this.ranges = Collections.unmodifiableList(r);
        this.endPfn = (maxEnd + pageSize - 1) >>> pageShift;
    }

    /**
     * Builds the memory of {@code elf}'s PT_LOADs.
     *
     * @param pageSize a power of two
     * @throws VmcoreFormatException if a segment's physical range wraps or ends beyond {@link #MAX_PHYSICAL_END}
     */
    static ElfPhysicalMemory create(ElfFile elf, int pageSize) throws VmcoreFormatException {
        if (Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        String res = elf.source().description();
        boolean is64 = elf.header().is64();
        List<Seg> segs = new ArrayList<>();
        for (ProgramHeader ph : elf.loads()) {
            if (ph.memsz() == 0 || ph.paddr() == elf.noPhysicalAddress()) {
                continue;
            }
            if (Long.compareUnsigned(ph.paddr(), MAX_PHYSICAL_END) > 0
                    || Long.compareUnsigned(ph.memsz(), MAX_PHYSICAL_END - ph.paddr()) > 0) {
                throw new VmcoreFormatException(res, ph.headerOffset() + ProgramHeader.memszFieldOffset(is64),
                        String.format(Locale.ROOT, "PT_LOAD #%d spans physical 0x%x + 0x%x, beyond the 2^60 physical address limit",
                                ph.index(), ph.paddr(), ph.memsz()));
            }
            segs.add(new Seg(segs.size(), ph.paddr(), ph.paddr() + ph.memsz(), ph.paddr() + ph.filesz(),
                    ph.paddr() + elf.availableFileBytes(ph), ph.offset()));
        }
        long maxEnd = 0;
        for (Seg s : segs) {
            maxEnd = Math.max(maxEnd, s.end);
        }
        return new ElfPhysicalMemory(elf.source(), pageSize, flatten(segs), maxEnd);
    }

    /** One PT_LOAD in physical terms; {@code order} is its rank in program header order (lower wins overlaps). */
    private record Seg(int order, long start, long end, long fileEnd, long availableEnd, long offset) {
    }

    /** Growable parallel arrays of pieces, merging a piece into the previous one where they continue each other. */
    private static final class Pieces {
        long[] start = new long[8];
        long[] end = new long[8];
        long[] off = new long[8];
        byte[] kind = new byte[8];
        int n;

        void add(long s, long e, byte k, long o) {
            if (s >= e) {
                return;
            }
            if (n > 0 && end[n - 1] == s && kind[n - 1] == k && (k == ZERO || off[n - 1] + (s - start[n - 1]) == o)) {
                end[n - 1] = e;
                return;
            }
            if (n == start.length) {
                int cap = n * 2;
                start = Arrays.copyOf(start, cap);
                end = Arrays.copyOf(end, cap);
                off = Arrays.copyOf(off, cap);
                kind = Arrays.copyOf(kind, cap);
            }
            start[n] = s;
            end[n] = e;
            off[n] = o;
            kind[n] = k;
            n++;
        }
    }

    /**
     * Sweeps the segments' phase boundaries in address order. Each segment has up to three phases:
     * file data present in the file, file data a truncated file lacks (lost), and zero fill
     * ({@code p_memsz} beyond {@code p_filesz}). Each stretch is supplied by the lowest-ordered
     * segment holding present file data there, else the lowest-ordered one whose data was lost, else
     * the lowest-ordered one with zero fill. So file data is never hidden by another segment's zero
     * fill: a deliberate deviation from makedumpfile, whose closest_pt_load lets the first segment
     * decide, zero fill included, and then leaves such pages out of every dump it writes (see README,
     * "Deviations"); libkdumpfile reads the file data there. O(n log n) for n segments.
     */
    private static Pieces flatten(List<Seg> segs) {
        Pieces out = new Pieces();
        List<long[]> events = new ArrayList<>(); // {position, kind, order, +1 enter / -1 leave}
        for (Seg s : segs) {
            long fileEnd = Math.min(s.fileEnd, s.end);
            long availableEnd = Math.min(s.availableEnd, fileEnd);
            phase(events, s.start, availableEnd, FILE, s.order);
            phase(events, availableEnd, fileEnd, LOST, s.order);
            phase(events, Math.max(s.start, fileEnd), s.end, ZERO, s.order);
        }
        events.sort((x, y) -> Long.compare(x[0], y[0]));
        List<TreeSet<Integer>> active = List.of(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        int k = 0;
        while (k < events.size()) {
            long a = events.get(k)[0];
            while (k < events.size() && events.get(k)[0] == a) {
                long[] e = events.get(k++);
                TreeSet<Integer> set = active.get((int) e[1]);
                if (e[3] > 0) {
                    set.add((int) e[2]);
                } else {
                    set.remove((int) e[2]);
                }
            }
            if (k == events.size()) {
                break;
            }
            long b = events.get(k)[0];
            for (byte kind : new byte[] {FILE, LOST, ZERO}) {
                TreeSet<Integer> set = active.get(kind);
                if (!set.isEmpty()) {
                    Seg w = segs.get(set.first());
                    out.add(a, b, kind, kind == ZERO ? -1 : w.offset + (a - w.start));
                    break;
                }
            }
        }
        return out;
    }

    private static void phase(List<long[]> events, long from, long to, byte kind, int order) {
        if (from < to) {
            events.add(new long[] {from, kind, order, 1});
            events.add(new long[] {to, kind, order, -1});
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

    /** Index of the last piece starting at or below {@code addr}, or -1. */
    private int floor(long addr) {
        int h = lastHit;
        if (h < count && start[h] <= addr && addr < end[h]) {
            return h;
        }
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (start[mid] <= addr) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found >= 0 && addr < end[found]) {
            lastHit = found;
        }
        return found;
    }

    /** Index of the first piece ending after {@code addr}, or {@code count}. */
    private int firstEndingAfter(long addr) {
        int i = floor(addr);
        return i >= 0 && end[i] > addr ? i : i + 1;
    }

    /** Index of the file-data piece holding {@code addr}, or -1 if a memory-only or lost piece or none does. */
    private int filePieceAt(long addr) {
        int i = firstEndingAfter(addr);
        return i < count && kind[i] == FILE && start[i] <= addr ? i : -1;
    }

    @Override
    public PageStatus status(long pfn) {
        if (pfn < 0 || pfn >= endPfn) {
            return PageStatus.NOT_RAM;
        }
        long from = pfn << pageShift;
        long to = from + pageSize;
        PageStatus best = PageStatus.NOT_RAM;
        for (int i = firstEndingAfter(from); i < count && start[i] < to; i++) {
            if (kind[i] == LOST) {
                return PageStatus.LOST;
            }
            if (kind[i] == FILE) {
                best = PageStatus.PRESENT;
            } else if (best == PageStatus.NOT_RAM) {
                best = PageStatus.EXCLUDED;
            }
        }
        return best;
    }

    /**
     * Frames lying wholly inside one file-data piece are PRESENT, and no other piece touches them
     * (pieces are disjoint), so such a run ends where the piece's last whole frame ends.
     */
    @Override
    public long statusRunEnd(long pfn) {
        if (pfn < 0 || pfn >= endPfn) {
            return pfn + 1;
        }
        int i = filePieceAt(pfn << pageShift);
        if (i >= 0) {
            long run = Math.min(end[i] >>> pageShift, endPfn);
            if (run > pfn) {
                return run;
            }
        }
        return pfn + 1;
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (len > 0) {
            // The common case, pages inside one file-data piece: one read, no per-frame lookups. The frames
            // touched must lie wholly in the piece, or a neighbouring piece could make one of them LOST.
            long first = paddr & -(long) pageSize;
            long last = ((paddr + len - 1) | (pageSize - 1)) + 1;
            int i = filePieceAt(first);
            if (i >= 0 && end[i] >= last && last > first) {
                source.read(fileOffset[i] + (paddr - start[i]), dst, off, len);
                return;
            }
        }
        while (len > 0) {
            long pfn = paddr >>> pageShift;
            PageStatus st = status(pfn);
            if (st == PageStatus.NOT_RAM) {
                throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, paddr,
                        String.format(Locale.ROOT, "physical address 0x%x is not RAM in the dump (%s)", paddr, source.description()));
            }
            if (st == PageStatus.LOST) {
                throw lost(paddr, pfn);
            }
            long frameEnd = (pfn + 1) << pageShift;
            int n = (int) Math.min(len, frameEnd - paddr);
            fill(paddr, dst, off, n);
            paddr += n;
            off += n;
            len -= n;
        }
    }

    /** Copies {@code [paddr, paddr+n)}, which lies in one PRESENT or EXCLUDED frame: file pieces from the file, the rest zeros. */
    private void fill(long paddr, byte[] dst, int off, int n) throws IOException {
        long to = paddr + n;
        int i = firstEndingAfter(paddr);
        while (paddr < to) {
            if (i >= count || start[i] >= to) {
                Arrays.fill(dst, off, off + (int) (to - paddr), (byte) 0);
                return;
            }
            if (start[i] > paddr) {
                int gap = (int) (start[i] - paddr);
                Arrays.fill(dst, off, off + gap, (byte) 0);
                paddr += gap;
                off += gap;
            }
            int m = (int) (Math.min(end[i], to) - paddr);
            if (kind[i] == FILE) {
                source.read(fileOffset[i] + (paddr - start[i]), dst, off, m);
            } else {
                Arrays.fill(dst, off, off + m, (byte) 0);
            }
            paddr += m;
            off += m;
            i++;
        }
    }

    private MemoryAccessException lost(long paddr, long pfn) {
        long from = pfn << pageShift;
        int i = firstEndingAfter(from);
        while (i < count && kind[i] != LOST) {
            i++;
        }
        long where = i < count ? fileOffset[i] + (Math.max(from, start[i]) - start[i]) : -1;
        return new MemoryAccessException(MemoryAccessException.Reason.LOST, paddr, String.format(Locale.ROOT,
                "physical address 0x%x was lost: its page's data belongs at file offset %d, past the end of the "
                        + "truncated file (%s, size %d)", paddr, where, source.description(), source.size()));
    }

    /** Number of pieces the segments flattened into (for tests and diagnostics). */
    int pieceCount() {
        return count;
    }

    @Override
    public String toString() {
        return "ElfPhysicalMemory(" + source.description() + ", " + count + " pieces, " + ranges.size()
                + " ranges, endPfn " + endPfn + ", page " + pageSize + ")";
    }
}
