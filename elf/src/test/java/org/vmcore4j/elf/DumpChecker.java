package org.vmcore4j.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Checks an ELF vmcore for internal consistency against a deliberately naive model of ELF
 * semantics: for every byte, the first PT_LOAD in table order that holds file data there supplies
 * it; where none does, the first whose file data was lost makes it lost; else zero fill. Used by the property tests on mutated files and by unit tests.
 */
final class DumpChecker {
    /** Pages per dump checked byte by byte: boundaries of every segment and range, plus a few more. */
    private static final int MAX_PAGES = 96;

    private DumpChecker() {
    }

    /** What happened to one input: opened and checked, or refused with a proper error. */
    enum Outcome { OPENED, REFUSED }

    /**
     * Opens {@code bytes}; either the dump is consistent with the naive model, or opening throws a
     * {@link VmcoreFormatException} that names {@code name} and an offset inside the file. Any other
     * exception fails.
     */
    static Outcome openAndCheck(byte[] bytes, String name) {
        ElfVmcore v;
        try {
            v = ElfVmcore.open(new ByteArraySource(bytes, name));
        } catch (VmcoreFormatException e) {
            assertTrue(e.getMessage().contains("file=" + name), e.getMessage());
            assertTrue(e.offset() >= 0 && e.offset() <= bytes.length,
                    "offset " + e.offset() + " outside the " + bytes.length + "-byte file: " + e.getMessage());
            assertTrue(e.getMessage().contains("offset=" + e.offset()), e.getMessage());
            return Outcome.REFUSED;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("open threw " + e + " instead of VmcoreFormatException", e);
        }
        try {
            check(v, bytes);
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("an opened dump failed while being read: " + e, e);
        }
        return Outcome.OPENED;
    }

    /** Asserts everything the dump reports agrees with the file's bytes and the naive model. */
    static void check(ElfVmcore v, byte[] file) throws IOException {
        ElfFile elf = v.elf();
        for (Note n : v.notes()) {
            assertTrue(n.descriptorOffset() >= 0 && n.descriptorOffset() + n.descriptor().length <= file.length);
            assertArrayEquals(Arrays.copyOfRange(file, (int) n.descriptorOffset(),
                    (int) n.descriptorOffset() + n.descriptor().length), n.descriptor(), n.toString());
        }
        long prstatus = v.notes().stream().filter(PrStatus::isPrStatus).count();
        assertEquals(prstatus, v.cpus().size());
        for (CpuState c : v.cpus()) {
            assertEquals(PrStatus.registerNames(v.architecture()), List.copyOf(c.registers().keySet()));
        }
        v.vmcoreInfo().ifPresent(info -> {
            Note last = elf.vmcoreInfoNote().orElseThrow();
            byte[] d = last.descriptor();
            int len = 0;
            while (len < d.length && d[len] != 0) {
                len++;
            }
            assertEquals(new String(d, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1), info.text());
        });
        try {
            v.kernelAddressSpace();
        } catch (IOException expected) {
            // no VMCOREINFO, or translation not possible on this dump: an IOException is the contract
        }

        Model model = new Model(elf, file.length);
        PhysicalMemory mem = v.physicalMemory();
        int ps = mem.pageSize();
        assertEquals(model.mergedExtents(), mem.ranges(), "ranges are the union of the PT_LOAD extents");
        long maxEnd = model.segs.stream().mapToLong(s -> s[1]).max().orElse(0);
        assertEquals((maxEnd + ps - 1) / ps, mem.endPfn(), "endPfn is makedumpfile's max_mapnr rule");

        TreeSet<Long> pfns = new TreeSet<>();
        pfns.add(0L);
        pfns.add(mem.endPfn());
        pfns.add(mem.endPfn() - 1);
        for (long[] s : model.segs) {
            for (long edge : new long[] {s[0], s[1], s[2], s[3]}) {
                long p = Long.divideUnsigned(edge, ps);
                pfns.add(p - 1);
                pfns.add(p);
                pfns.add(p + 1);
            }
        }
        pfns.removeIf(p -> p < 0);
        List<Long> chosen = new ArrayList<>(pfns);
        int budget = Math.max(8, MAX_PAGES * 4096 / ps); // large pages: fewer of them
        if (chosen.size() > budget) {
            List<Long> spread = new ArrayList<>();
            for (int i = 0; i < budget; i++) {
                spread.add(chosen.get((int) ((long) i * (chosen.size() - 1) / (budget - 1))));
            }
            chosen = spread;
        }
        byte[] got = new byte[ps];
        for (long pfn : chosen) {
            PageStatus expect = model.status(pfn, ps);
            assertEquals(expect, mem.status(pfn), "status of pfn " + pfn);
            try {
                mem.readPage(pfn, got, 0);
                if (expect != PageStatus.PRESENT && expect != PageStatus.EXCLUDED) {
                    fail("read of " + expect + " pfn " + pfn + " succeeded");
                }
                assertArrayEquals(model.page(pfn, ps, file), got, "content of pfn " + pfn);
            } catch (MemoryAccessException e) {
                MemoryAccessException.Reason want = expect == PageStatus.LOST ? MemoryAccessException.Reason.LOST
                        : MemoryAccessException.Reason.NOT_RAM;
                if (expect == PageStatus.PRESENT || expect == PageStatus.EXCLUDED) {
                    fail("read of " + expect + " pfn " + pfn + " failed: " + e.getMessage());
                }
                assertEquals(want, e.reason(), e.getMessage());
            }
        }
        // an unaligned read across the first range boundary agrees with page-wise reads
        if (!mem.ranges().isEmpty()) {
            PhysicalRange r = mem.ranges().get(0);
            long from = Math.max(0, r.start() - 7);
            byte[] span = new byte[ps + 13];
            try {
                mem.read(from, span, 0, span.length);
                long firstPfn = from / ps;
                byte[] expect = new byte[(int) (((from + span.length - 1) / ps - firstPfn + 1) * ps)];
                for (long p = firstPfn; p * ps < from + span.length; p++) {
                    System.arraycopy(model.page(p, ps, file), 0, expect, (int) ((p - firstPfn) * ps), ps);
                }
                int skip = (int) (from - firstPfn * ps);
                assertArrayEquals(Arrays.copyOfRange(expect, skip, skip + span.length), span,
                        "unaligned read at 0x" + Long.toHexString(from));
            } catch (MemoryAccessException e) {
                boolean anyUnreadable = false;
                for (long p = from / ps; p <= (from + span.length - 1) / ps; p++) {
                    PageStatus st = model.status(p, ps);
                    anyUnreadable |= st == PageStatus.NOT_RAM || st == PageStatus.LOST;
                }
                assertTrue(anyUnreadable, "read failed although every frame is readable: " + e.getMessage());
            }
        }
    }

    /** The naive model: PT_LOADs as {start, end, fileEnd, availableEnd, offset}, in table order. */
    static final class Model {
        final List<long[]> segs = new ArrayList<>();

        Model(ElfFile elf, long fileSize) {
            for (ProgramHeader ph : elf.loads()) {
                if (ph.memsz() == 0 || ph.paddr() == elf.noPhysicalAddress()) {
                    continue;
                }
                long avail;
                if (Long.compareUnsigned(ph.offset(), fileSize) >= 0) {
                    avail = 0;
                } else {
                    avail = Math.min(ph.filesz(), fileSize - ph.offset());
                }
                segs.add(new long[] {ph.paddr(), ph.paddr() + ph.memsz(), ph.paddr() + ph.filesz(),
                        ph.paddr() + avail, ph.offset()});
            }
        }

        List<PhysicalRange> mergedExtents() {
            List<long[]> sorted = new ArrayList<>(segs);
            sorted.sort((a, b) -> Long.compare(a[0], b[0]));
            List<PhysicalRange> out = new ArrayList<>();
            long s = -1;
            long e = -1;
            for (long[] x : sorted) {
                if (s >= 0 && x[0] <= e) {
                    e = Math.max(e, x[1]);
                } else {
                    if (s >= 0) {
                        out.add(new PhysicalRange(s, e));
                    }
                    s = x[0];
                    e = x[1];
                }
            }
            if (s >= 0) {
                out.add(new PhysicalRange(s, e));
            }
            return out;
        }

        private static final int ZERO = 1;
        private static final int FILE = 2;
        private static final int LOST = 3;

        /**
         * What covers {@code [from, to)}: pieces {start, end, class, fileOffset}. Present file data
         * claims first, each segment in table order taking whatever no earlier one took; then lost
         * file data; then zero fill (one segment's zero fill never hides another's file data).
         */
        List<long[]> classify(long from, long to) {
            List<long[]> out = new ArrayList<>();
            List<long[]> open = new ArrayList<>();
            open.add(new long[] {from, to});
            for (int cls : new int[] {FILE, LOST, ZERO}) {
                for (long[] s : segs) {
                    long partStart = cls == FILE ? s[0] : cls == LOST ? s[3] : s[2];
                    long partEnd = cls == FILE ? s[3] : cls == LOST ? s[2] : s[1];
                    List<long[]> still = new ArrayList<>();
                    for (long[] u : open) {
                        long lo = Math.max(u[0], partStart);
                        long hi = Math.min(u[1], partEnd);
                        if (lo >= hi) {
                            still.add(u);
                            continue;
                        }
                        if (u[0] < lo) {
                            still.add(new long[] {u[0], lo});
                        }
                        if (hi < u[1]) {
                            still.add(new long[] {hi, u[1]});
                        }
                        addPiece(out, lo, hi, cls, cls == FILE ? s[4] + (lo - s[0]) : 0);
                    }
                    open = still;
                }
            }
            return out;
        }

        private static void addPiece(List<long[]> out, long lo, long hi, int cls, long off) {
            if (lo < hi) {
                out.add(new long[] {lo, hi, cls, off});
            }
        }

        PageStatus status(long pfn, int ps) {
            boolean file = false;
            boolean zero = false;
            for (long[] p : classify(pfn * ps, pfn * ps + ps)) {
                if (p[2] == LOST) {
                    return PageStatus.LOST;
                }
                file |= p[2] == FILE;
                zero |= p[2] == ZERO;
            }
            return file ? PageStatus.PRESENT : zero ? PageStatus.EXCLUDED : PageStatus.NOT_RAM;
        }

        byte[] page(long pfn, int ps, byte[] file) {
            long from = pfn * ps;
            byte[] out = new byte[ps];
            for (long[] p : classify(from, from + ps)) {
                if (p[2] == FILE) {
                    System.arraycopy(file, (int) (p[3]), out, (int) (p[0] - from), (int) (p[1] - p[0]));
                }
            }
            return out;
        }
    }
}
