package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.testdata.Corpus;

/** The page-by-page comparison of a kdump reading against the ELF vmcore it was made from. */
final class CorpusChecks {
    private CorpusChecks() {
    }

    /** What one comparison covered. */
    record Tally(long present, long excluded, long notRam, long lost, long compared, long excludedReads) {
    }

    /**
     * Walks every PFN of {@code dump}: the status must match the dump's own bitmaps (PRESENT exactly
     * at the dumpable bitmap), RAM must be the vmcore's PT_LOAD extents, and page bytes must equal the
     * vmcore's — every present page if {@code stride} is 1, else every {@code stride}-th plus the
     * first and last 256. Excluded pages must throw EXCLUDED, never read as zeros.
     */
    static Tally verify(KdumpVmcore dump, ElfPages ref, long stride) throws IOException {
        PhysicalMemory mem = dump.physicalMemory();
        int ps = mem.pageSize();
        byte[] ours = new byte[ps];
        byte[] theirs = new byte[ps];
        long present = 0;
        long excluded = 0;
        long notRam = 0;
        long lost = 0;
        long compared = 0;
        long excludedReads = 0;
        long totalPresent = dump.dumpableBitmap().cardinality();
        long end = mem.endPfn();
        for (long pfn = 0; pfn < end; pfn++) {
            PageStatus s = mem.status(pfn);
            boolean ram = dump.memoryBitmap().get(pfn);
            assertEquals(ref.coveredByLoad(pfn), ram, "memory bitmap vs PT_LOADs at PFN " + pfn);
            assertEquals(s != PageStatus.NOT_RAM, ram, "status vs memory bitmap at PFN " + pfn);
            assertEquals(s == PageStatus.PRESENT || s == PageStatus.LOST, ram && dump.dumpableBitmap().get(pfn),
                    "status vs dumpable bitmap at PFN " + pfn);
            switch (s) {
                case PRESENT -> {
                    present++;
                    long idx = present - 1;
                    if (stride == 1 || idx % stride == 0 || idx < 256 || idx >= totalPresent - 256) {
                        mem.readPage(pfn, ours, 0);
                        if (!ref.read(pfn, theirs)) {
                            fail("PFN " + pfn + " is present in the dump but in no PT_LOAD of the vmcore");
                        }
                        if (!java.util.Arrays.equals(ours, theirs)) {
                            assertArrayEquals(theirs, ours, "page bytes of PFN " + pfn);
                        }
                        compared++;
                    }
                }
                case EXCLUDED -> {
                    excluded++;
                    if (excluded % 61 == 1) {
                        long p = pfn;
                        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> mem.readPage(p, ours, 0));
                        assertEquals(MemoryAccessException.Reason.EXCLUDED, e.reason());
                        excludedReads++;
                    }
                }
                case NOT_RAM -> {
                    notRam++;
                    if (notRam % 997 == 1) {
                        long p = pfn;
                        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> mem.readPage(p, ours, 0));
                        assertEquals(MemoryAccessException.Reason.NOT_RAM, e.reason());
                    }
                }
                case LOST -> lost++;
            }
        }
        assertEquals(totalPresent, present + lost, "present + lost pages vs dumpable bitmap cardinality");
        checkStraddlingRead(dump, ref);
        return new Tally(present, excluded, notRam, lost, compared, excludedReads);
    }

    /** A read across two adjacent present pages, at odd offsets, goes through the page cache and both pages. */
    private static void checkStraddlingRead(KdumpVmcore dump, ElfPages ref) throws IOException {
        PhysicalMemory mem = dump.physicalMemory();
        int ps = mem.pageSize();
        long pfn = dump.dumpableBitmap().nextSetBit(dump.dumpableBitmap().size() / 3);
        while (pfn >= 0 && !(mem.status(pfn) == PageStatus.PRESENT && mem.status(pfn + 1) == PageStatus.PRESENT)) {
            pfn = dump.dumpableBitmap().nextSetBit(pfn + 1);
        }
        if (pfn < 0) {
            return;
        }
        byte[] both = new byte[2 * ps];
        ref.read(pfn, both);
        byte[] second = new byte[ps];
        ref.read(pfn + 1, second);
        System.arraycopy(second, 0, both, ps, ps);
        byte[] got = new byte[ps + 101];
        for (int i = 0; i < 3; i++) { // repeated: the second time comes from the cache
            mem.read(pfn * ps + ps / 2 - 17, got, 0, got.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(both, ps / 2 - 17, ps / 2 - 17 + got.length), got);
        }
    }

    /** The header facts makedumpfile fills from the vmcore's VMCOREINFO. */
    static void checkHeader(KdumpVmcore dump, int level, int compressionFlag) {
        DiskDumpHeader h = dump.header();
        assertEquals(DiskDumpHeader.KDUMP_SIGNATURE, h.signature());
        assertEquals(6, h.headerVersion());
        assertEquals(HeaderLayout.LP64, dump.files().get(0).layout());
        assertEquals(compressionFlag, h.status() & org.vmcore4j.kdump.codec.Compression.ALL_FLAGS);
        assertEquals(level, dump.dumpLevel());
        var info = dump.vmcoreInfo().orElseThrow();
        assertEquals(info.pageSize().getAsLong(), h.blockSize());
        assertEquals(info.osRelease().orElseThrow(), h.utsname().release());
        assertEquals("x86_64", h.utsname().machine());
        assertEquals(info.crashTime().orElse(0), h.timestampSeconds());
        assertEquals(h.nrCpus(), dump.cpus().size());
        assertTrue(dump.cpus().size() > 0);
        assertTrue(dump.cpus().get(0).register("rip").isPresent(), "CPU registers decoded");
        assertEquals(info.number("phys_base").orElse(dump.physBase()), dump.physBase());
    }

    static Corpus.Dump[] dumps() {
        return Corpus.x86_64Dumps().toArray(new Corpus.Dump[0]);
    }
}
