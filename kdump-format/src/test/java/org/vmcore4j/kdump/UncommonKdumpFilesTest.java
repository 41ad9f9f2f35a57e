package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.KdumpFileBuilder;
import org.vmcore4j.testdata.LibkdumpfileView;
import org.vmcore4j.testdata.PageAgreement;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.UncommonDumps;

/**
 * Issue 14's kdump-compressed fixtures ({@link UncommonDumps}) read by our reader and by
 * python3-libkdumpfile: a split set not starting at PFN 0 (case 5), a file without VMCOREINFO
 * (case 6), a header with {@code bitmap_blocks = 0} (case 11), and a file ending inside its 2nd
 * bitmap (a dump without pages, as makedumpfile writes it).
 */
class UncommonKdumpFilesTest {
    private static final int PAGE = UncommonDumps.PAGE;

    static PageAgreement.PageView ours(PhysicalMemory mem) {
        return pfn -> {
            if (pfn >= mem.endPfn() || mem.status(pfn) != PageStatus.PRESENT) {
                return null;
            }
            byte[] page = new byte[PAGE];
            mem.readPage(pfn, page, 0);
            return page;
        };
    }

    @Test
    @RequiresLibkdumpfile
    void case5ASplitSetNotStartingAtPfnZeroReadsWithThoseFramesAbsent(@TempDir Path dir) throws IOException {
        Path p1 = Files.write(dir.resolve("part1"), UncommonDumps.splitSetPart(1, 8));
        Path p2 = Files.write(dir.resolve("part2"), UncommonDumps.splitSetPart(8, UncommonDumps.SPLIT_FRAMES));
        LibkdumpfileView one = LibkdumpfileView.of(p1, UncommonDumps.SPLIT_FRAMES);
        LibkdumpfileView two = LibkdumpfileView.of(p2, UncommonDumps.SPLIT_FRAMES);
        assertTrue(one.opened() && two.opened(), one + "\n" + two);
        // libkdumpfile 0.5.1's Python binding opens one file at a time: the set is the union of its parts
        PageAgreement.PageView theirs = pfn -> one.pages().get(pfn) != null ? one.pages().get(pfn) : two.pages().get(pfn);
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(List.of(p2, p1))) {
            PhysicalMemory mem = set.physicalMemory();
            assertEquals(PageStatus.NOT_RAM, mem.status(0), "PFN 0 is in no part");
            assertThrows(MemoryAccessException.class, () -> mem.readPage(0, new byte[PAGE], 0));
            assertEquals(List.of(), PageAgreement.differences(UncommonDumps.SPLIT_FRAMES, ours(mem), theirs, p -> true));
            assertEquals(List.of(), PageAgreement.differences(UncommonDumps.SPLIT_FRAMES, theirs, ours(mem), p -> true));
            for (long p = 1; p < UncommonDumps.SPLIT_FRAMES; p++) {
                assertArrayEquals(UncommonDumps.pattern(PAGE, 100 + (int) p), ours(mem).page(p), "PFN " + p);
            }
        }
        try (KdumpVmcore alone = KdumpVmcore.openSplitSet(List.of(p1))) {
            assertNull(ours(alone.physicalMemory()).page(8), "a part alone: frames of the other part are absent");
        }
    }

    @Test
    void case5ADumpablePageInNoPartReadsAbsentButTheSetIsNotReassembled(@TempDir Path dir) throws IOException {
        Path p1 = Files.write(dir.resolve("part1"), UncommonDumps.splitSetPart(1, 8, true));
        Path p2 = Files.write(dir.resolve("part2"), UncommonDumps.splitSetPart(8, UncommonDumps.SPLIT_FRAMES, true));
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(List.of(p1, p2))) {
            assertNull(ours(set.physicalMemory()).page(0), "PFN 0 is dumpable, but no part holds it");
            assertArrayEquals(UncommonDumps.pattern(PAGE, 101), ours(set.physicalMemory()).page(1));
            Path out = dir.resolve("whole");
            try (org.vmcore4j.core.DumpSink sink = org.vmcore4j.core.DumpSink.toFile(out)) {
                VmcoreFormatException e = assertThrows(VmcoreFormatException.class,
                        () -> KdumpReassembler.reassemble(set, sink, (done, total) -> { }));
                assertTrue(e.getMessage().contains("no part holding PFNs [0, 1)"), e.getMessage());
            }
        }
    }

    @Test
    void case5PartsHoldingTheSameFramesAreStillRefused(@TempDir Path dir) throws IOException {
        Path p1 = Files.write(dir.resolve("part1"), UncommonDumps.splitSetPart(0, 9));
        Path p2 = Files.write(dir.resolve("part2"), UncommonDumps.splitSetPart(8, UncommonDumps.SPLIT_FRAMES));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class,
                () -> KdumpVmcore.openSplitSet(List.of(p1, p2)).close());
        assertTrue(e.getMessage().contains("in two parts"), e.getMessage());
    }

    @Test
    @RequiresLibkdumpfile
    void case6TheHeadersReleaseIsLibkdumpfilesRelease(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("k"), UncommonDumps.kdumpWithoutVmcoreinfo());
        LibkdumpfileView theirs = LibkdumpfileView.of(file, 8);
        assertEquals(UncommonDumps.HEADER_RELEASE, theirs.attrs().get("linux.uts.release"), theirs.toString());
        try (KdumpVmcore v = KdumpVmcore.open(file)) {
            assertTrue(v.vmcoreInfo().isEmpty());
            assertEquals(UncommonDumps.HEADER_RELEASE, v.header().utsname().release());
            assertEquals(List.of(), PageAgreement.differences(8, ours(v.physicalMemory()), pfn -> theirs.pages().get(pfn),
                    p -> true));
            assertEquals(PageStatus.EXCLUDED, v.physicalMemory().status(5));
        }
    }

    @Test
    @RequiresLibkdumpfile
    void case11ZeroBitmapBlocksIsNamedAndLibkdumpfileCannotReadItEither(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("k"), UncommonDumps.kdumpWithoutBitmaps());
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> KdumpVmcore.open(file).close());
        assertTrue(e.getMessage().contains("bitmap_blocks is 0"), e.getMessage());
        assertFalse(e.getMessage().contains("valid block size"), e.getMessage());
        assertEquals(HeaderLayout.LP64.offBitmapBlocks(), e.offset());
        // Debian's libkdumpfile 0.5.1 does not read it either (it crashes on it: exit status 139)
        LibkdumpfileView theirs = LibkdumpfileView.of(file, 4);
        assertFalse(theirs.opened() && theirs.pages().values().stream().anyMatch(p -> p != null), theirs.toString());
    }

    @Test
    @RequiresLibkdumpfile
    void aFileEndingInsideItsSecondBitmapIsReadAsLibkdumpfileReadsIt(@TempDir Path dir) throws IOException {
        // four frames, none stored: the file ends with the 2nd bitmap's first byte, as makedumpfile
        // writes a dump whose pages are all excluded
        byte[] full = KdumpFileBuilder.x86_64(4).excluded(0).excluded(1).build();
        int end = (1 + 1 + 1) * PAGE + 1;
        Path file = Files.write(dir.resolve("k"), java.util.Arrays.copyOf(full, end));
        LibkdumpfileView theirs = LibkdumpfileView.of(file, 4);
        assertTrue(theirs.opened(), theirs.toString());
        try (KdumpVmcore v = KdumpVmcore.open(file)) {
            assertEquals(List.of(PageStatus.EXCLUDED, PageStatus.EXCLUDED, PageStatus.NOT_RAM, PageStatus.NOT_RAM),
                    List.of(v.physicalMemory().status(0), v.physicalMemory().status(1), v.physicalMemory().status(2),
                            v.physicalMemory().status(3)));
            assertEquals(List.of(), PageAgreement.differences(4, ours(v.physicalMemory()), pfn -> theirs.pages().get(pfn),
                    p -> true));
        }
        Path cut = Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(full, end - 1));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> KdumpVmcore.open(cut).close());
        assertTrue(e.getMessage().contains("end past the end of the file"), e.getMessage());
    }
}
