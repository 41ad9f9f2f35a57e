package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;

/** Checks a written dump's pages against the dump it was written from. */
final class ElfPagesCheck {
    private ElfPagesCheck() {
    }

    /**
     * Every present page of {@code written} equals {@code source}'s page; excluded pages read as
     * excluded (checked on up to {@code excludedChecks} of them), never as zeros.
     *
     * @return the number of present pages compared
     */
    static long assertDumpablePagesEqual(Vmcore written, Vmcore source, int excludedChecks) throws IOException {
        PhysicalMemory w = written.physicalMemory();
        PhysicalMemory s = source.physicalMemory();
        int ps = w.pageSize();
        assertEquals(s.pageSize(), ps);
        byte[] a = new byte[ps];
        byte[] b = new byte[ps];
        long present = 0;
        int excluded = 0;
        for (long pfn = 0; pfn < w.endPfn(); pfn++) {
            PageStatus st = w.status(pfn);
            if (st == PageStatus.PRESENT) {
                w.readPage(pfn, a, 0);
                s.readPage(pfn, b, 0);
                if (!java.util.Arrays.equals(a, b)) {
                    assertArrayEquals(b, a, "page at PFN " + pfn);
                }
                present++;
            } else if (st == PageStatus.EXCLUDED && excluded < excludedChecks) {
                long p = pfn;
                MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> w.readPage(p, a, 0));
                assertEquals(MemoryAccessException.Reason.EXCLUDED, e.reason(), "PFN " + pfn);
                excluded++;
            }
        }
        assertTrue(present > 0, "no page present in " + written.description());
        return present;
    }
}
