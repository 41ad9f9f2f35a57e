package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Raw memory images: how their ranges are named, and how a raw image reads. */
class RawRangeTest {

    @Test
    void addressAloneIsTheWholeFileFromThere() {
        assertEquals(List.of(new RawRange(0, 0x100000, -1)), RawRange.parse("0x100000"));
    }

    @Test
    void rangesFileLinesWithComments() {
        assertEquals(List.of(new RawRange(0x1534, 0, 0xa0000), new RawRange(0xa1534, 0xc0000, 4096)),
                RawRange.parse("# offset paddr length\n0x1534 0 0xa0000\n\n0xa1534 0xc0000 4096  # tail\n"));
    }

    @Test
    void malformedLinesAreRefusedWithTheirNumber() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RawRange.parse("0 0 4096\n0x10 zz 1\n"));
        assertEquals(true, e.getMessage().startsWith("raw ranges line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RawRange.parse("0 0 0"));
        assertThrows(IllegalArgumentException.class, () -> RawRange.parse("# nothing\n"));
    }

    @Test
    void rawImageReadsItsRangesAndZeroFillsPartialFrames() throws IOException {
        byte[] file = new byte[3 * 4096];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) (i / 4096 + 1);
        }
        OpenOptions o = OpenOptions.defaults().withRawRanges(RawRange.parse("4096 0x10000 2048\n8192 0x20000 4096\n"));
        try (Vmcore v = Vmcore.open(new ByteArraySource(file, "raw"), o)) {
            PhysicalMemory m = v.physicalMemory();
            assertEquals("raw", v.formatName());
            assertEquals(List.of(new PhysicalRange(0x10000, 0x10800), new PhysicalRange(0x20000, 0x21000)), m.ranges());
            assertEquals(PageStatus.PRESENT, m.status(0x10));
            assertEquals(PageStatus.NOT_RAM, m.status(0x11));
            byte[] page = new byte[4096];
            m.readPage(0x10, page, 0);
            byte[] expected = new byte[4096];
            java.util.Arrays.fill(expected, 0, 2048, (byte) 2);
            assertArrayEquals(expected, page);
            m.readPage(0x20, page, 0);
            java.util.Arrays.fill(expected, (byte) 3);
            assertArrayEquals(expected, page);
            assertThrows(MemoryAccessException.class, () -> m.readPage(0x11, new byte[4096], 0));
            assertEquals("live kernel memory (no elfcorehdr)", v.wholeMachineImage().orElseThrow().describe());
        }
    }

    @Test
    void rangePastTheFileIsAFormatError() {
        OpenOptions o = OpenOptions.defaults().withRawRanges(RawRange.parse("4096 0 8192\n"));
        assertThrows(VmcoreFormatException.class, () -> Vmcore.open(new ByteArraySource(new byte[8192], "raw"), o));
    }

    @Test
    void overlappingRangesAreAFormatError() {
        OpenOptions o = OpenOptions.defaults().withRawRanges(RawRange.parse("0 0 4096\n0 0x800 4096\n"));
        assertThrows(VmcoreFormatException.class, () -> Vmcore.open(new ByteArraySource(new byte[8192], "raw"), o));
    }
}
