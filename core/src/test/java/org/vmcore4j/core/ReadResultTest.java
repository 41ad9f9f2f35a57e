package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.synthetic.ArrayPhysicalMemory;

/**
 * The reads that say why they stopped ({@link PhysicalMemory#readAvailable},
 * {@link KernelAddressSpace#readAvailable}) against the throwing reads they are built on, and the
 * status map against {@link PhysicalMemory#status}.
 */
class ReadResultTest {
    private static final int PAGE = ArrayPhysicalMemory.PAGE;

    private static ArrayPhysicalMemory memory() {
        ArrayPhysicalMemory m = new ArrayPhysicalMemory(8 * PAGE);
        for (int i = 0; i < m.bytes().length; i++) {
            m.bytes()[i] = (byte) (i * 7 + i / PAGE);
        }
        m.exclude(3);
        return m;
    }

    @Test
    void aReadOfPresentPagesIsComplete() throws IOException {
        ArrayPhysicalMemory m = memory();
        byte[] dst = new byte[2 * PAGE];
        ReadResult r = m.readAvailable(100, dst, 0, dst.length);
        assertEquals(ReadResult.complete(100, 2 * PAGE), r);
        assertTrue(r.isComplete());
        assertArrayEquals(Arrays.copyOfRange(m.bytes(), 100, 100 + 2 * PAGE), dst);
    }

    @Test
    void aReadStopsAtTheFirstExcludedByteWithItsCount() throws IOException {
        ArrayPhysicalMemory m = memory();
        byte[] dst = new byte[3 * PAGE];
        long start = 2 * PAGE - 10;
        ReadResult r = m.readAvailable(start, dst, 0, dst.length);
        assertEquals(PAGE + 10, r.bytesRead());
        assertEquals(ReadResult.Outcome.EXCLUDED, r.outcome());
        assertEquals(3L * PAGE, r.stopAddress());
        assertTrue(r.detail().contains("excluded"), r.detail());
        assertArrayEquals(Arrays.copyOfRange(m.bytes(), (int) start, 3 * PAGE), Arrays.copyOf(dst, PAGE + 10));
    }

    @Test
    void aReadPastTheLastFrameStopsThereAsNotRam() throws IOException {
        ArrayPhysicalMemory m = memory();
        byte[] dst = new byte[100];
        ReadResult r = m.readAvailable(8L * PAGE - 40, dst, 0, dst.length);
        assertEquals(new ReadResult(40, ReadResult.Outcome.NOT_RAM, 8L * PAGE, r.detail()), r);
    }

    @Test
    void aDamagedPageIsCorruptNotAnException() throws IOException {
        ArrayPhysicalMemory base = memory();
        PhysicalMemory damaged = new DelegatingMemory(base) {
            @Override
            public void read(long paddr, byte[] dst, int off, int len) throws IOException {
                if (paddr < 6L * PAGE && paddr + len > 5L * PAGE) {
                    throw new VmcoreFormatException("test", 1234, "page 5 does not decompress");
                }
                base.read(paddr, dst, off, len);
            }
        };
        ReadResult r = damaged.readAvailable(4L * PAGE, new byte[2 * PAGE], 0, 2 * PAGE);
        assertEquals(PAGE, r.bytesRead());
        assertEquals(ReadResult.Outcome.CORRUPT, r.outcome());
        assertEquals(5L * PAGE, r.stopAddress());
        assertTrue(r.detail().contains("does not decompress"), r.detail());
    }

    @Test
    void aFailureInsideAPageCountsTheBytesBeforeIt() throws IOException {
        // as an ELF segment that ends mid-page: the bytes up to the failing address are read
        ArrayPhysicalMemory base = memory();
        long end = 5L * PAGE + 300;
        PhysicalMemory shortSegment = new DelegatingMemory(base) {
            @Override
            public void read(long paddr, byte[] dst, int off, int len) throws IOException {
                if (paddr + len > end) {
                    throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, Math.max(paddr, end), "hole");
                }
                base.read(paddr, dst, off, len);
            }
        };
        byte[] dst = new byte[PAGE];
        ReadResult r = shortSegment.readAvailable(5L * PAGE - 100, dst, 0, dst.length);
        assertEquals(new ReadResult(400, ReadResult.Outcome.NOT_RAM, end, "hole"), r);
        assertArrayEquals(Arrays.copyOfRange(base.bytes(), 5 * PAGE - 100, (int) end), Arrays.copyOf(dst, 400));
    }

    @Test
    void kernelVirtualReadsStopAtTheVirtualAddressWithTheReason() throws IOException {
        ArrayPhysicalMemory m = memory();
        // virtual page v maps physical page v - 16 for v in 16..23; others are not mapped
        KernelAddressSpace space = new PageShiftSpace(m, 16);
        byte[] dst = new byte[3 * PAGE];
        ReadResult r = space.readAvailable(17L * PAGE + 8, dst, 0, dst.length);
        assertEquals(2 * PAGE - 8, r.bytesRead());
        assertEquals(ReadResult.Outcome.EXCLUDED, r.outcome());
        assertEquals(19L * PAGE, r.stopAddress());
        assertArrayEquals(Arrays.copyOfRange(m.bytes(), PAGE + 8, 3 * PAGE), Arrays.copyOf(dst, 2 * PAGE - 8));

        ReadResult unmapped = space.readAvailable(24L * PAGE - 4, dst, 0, 16);
        assertEquals(new ReadResult(4, ReadResult.Outcome.NOT_MAPPED, 24L * PAGE, unmapped.detail()), unmapped);

        // the throwing twin throws exactly where the other stops
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> space.read(17L * PAGE + 8, dst, 0, 3 * PAGE));
        assertEquals(MemoryAccessException.Reason.EXCLUDED, e.reason());
    }

    @Test
    void argumentsAreCheckedAsTheThrowingReadChecksThem() {
        ArrayPhysicalMemory m = memory();
        assertThrows(IndexOutOfBoundsException.class, () -> m.readAvailable(0, new byte[4], 2, 4));
        assertThrows(IllegalArgumentException.class, () -> new ReadResult(-1, ReadResult.Outcome.LOST, 0, ""));
    }

    @Test
    void theStatusMapHoldsEveryFrameInRuns() {
        ArrayPhysicalMemory m = memory();
        m.exclude(4);
        m.exclude(7);
        PageStatusMap map = m.statusMap();
        assertEquals(List.of(new PageStatusMap.Run(0, 3, PageStatus.PRESENT), new PageStatusMap.Run(3, 5, PageStatus.EXCLUDED),
                new PageStatusMap.Run(5, 7, PageStatus.PRESENT), new PageStatusMap.Run(7, 8, PageStatus.EXCLUDED)), map.runs());
        for (long pfn = 0; pfn < 8; pfn++) {
            assertEquals(m.status(pfn), map.status(pfn), "pfn " + pfn);
        }
        assertEquals(5, map.count(PageStatus.PRESENT));
        assertEquals(3, map.count(PageStatus.EXCLUDED));
        assertEquals(0, map.count(PageStatus.LOST));
        assertEquals(OptionalLong.of(5), map.next(PageStatus.PRESENT, 3));
        assertEquals(OptionalLong.of(6), map.next(PageStatus.PRESENT, 6));
        assertEquals(OptionalLong.empty(), map.next(PageStatus.PRESENT, 7));
        assertEquals(OptionalLong.empty(), map.next(PageStatus.LOST, 0));
        assertEquals(m.statusMap(), map);
        assertThrows(IndexOutOfBoundsException.class, () -> map.status(8));

        PageStatusMap tail = m.statusMap(6, 10);
        assertEquals(List.of(new PageStatusMap.Run(6, 7, PageStatus.PRESENT), new PageStatusMap.Run(7, 8, PageStatus.EXCLUDED),
                new PageStatusMap.Run(8, 10, PageStatus.NOT_RAM)), tail.runs());
        assertEquals(0, m.statusMap(3, 3).runs().size());
        assertThrows(IllegalArgumentException.class, () -> m.statusMap(5, 4));
    }

    @Test
    void manyRunsGrowTheMap() {
        ArrayPhysicalMemory m = new ArrayPhysicalMemory(200 * PAGE);
        for (int pfn = 1; pfn < 200; pfn += 2) {
            m.exclude(pfn);
        }
        PageStatusMap map = m.statusMap();
        assertEquals(200, map.runs().size());
        assertEquals(100, map.count(PageStatus.EXCLUDED));
        assertEquals(PageStatus.EXCLUDED, map.status(199));
    }

    /** A memory that forwards everything to another, for tests that change one method. */
    private static class DelegatingMemory implements PhysicalMemory {
        private final PhysicalMemory base;

        DelegatingMemory(PhysicalMemory base) {
            this.base = base;
        }

        @Override
        public int pageSize() {
            return base.pageSize();
        }

        @Override
        public List<PhysicalRange> ranges() {
            return base.ranges();
        }

        @Override
        public long endPfn() {
            return base.endPfn();
        }

        @Override
        public PageStatus status(long pfn) {
            return base.status(pfn);
        }

        @Override
        public void read(long paddr, byte[] dst, int off, int len) throws IOException {
            base.read(paddr, dst, off, len);
        }
    }

    /** Virtual page {@code v} maps physical page {@code v - shift} where that is a frame of the memory. */
    private record PageShiftSpace(PhysicalMemory physicalMemory, long shift) implements KernelAddressSpace {
        @Override
        public ByteOrder byteOrder() {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        public int pointerSize() {
            return 8;
        }

        @Override
        public long toPhysical(long vaddr) throws MemoryAccessException {
            long pfn = vaddr / PAGE - shift;
            if (pfn < 0 || pfn >= physicalMemory.endPfn()) {
                throw new MemoryAccessException(MemoryAccessException.Reason.NOT_MAPPED, vaddr, "not mapped");
            }
            return pfn * PAGE + vaddr % PAGE;
        }
    }
}
