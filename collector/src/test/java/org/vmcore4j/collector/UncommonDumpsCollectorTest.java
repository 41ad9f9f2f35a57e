package org.vmcore4j.collector;

import org.vmcore4j.filter.UnsupportedKernelException;

import org.vmcore4j.filter.FilterReport;

import org.vmcore4j.filter.PageFilter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.LibkdumpfileView;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.testdata.UncommonDumps;

/**
 * Issue 14 in the collectors: the deliberate deviation from makedumpfile on overlapping PT_LOADs
 * (case 2), proved beside makedumpfile 1.7.9 and read back by libkdumpfile; level 0 with a partial
 * VMCOREINFO (case 8); a dump without memory (case 10).
 */
class UncommonDumpsCollectorTest {
    private static final int PAGE = UncommonDumps.PAGE;

    @Test
    @RequiresMakedumpfile
    @RequiresLibkdumpfile
    void case2FileDataUnderZeroFillIsKeptWhereMakedumpfileDropsIt(@TempDir Path dir) throws Exception {
        Path in = Files.write(dir.resolve("case2.elf"), UncommonDumps.zeroFillOverFileData());
        LibkdumpfileView input = LibkdumpfileView.of(in, 6);
        assertArrayEquals(UncommonDumps.pattern(PAGE, 3), input.pages().get(2L), "libkdumpfile reads PFN 2 of the input");
        assertArrayEquals(UncommonDumps.pattern(PAGE, 4), input.pages().get(5L), "libkdumpfile reads PFN 5 of the input");
        List<String> problems = new ArrayList<>();
        for (String option : List.of("-c", "-E")) {
            Path theirs = dir.resolve("makedumpfile" + option);
            AnalysisTools.ToolRun run = AnalysisTools.makedumpfile(List.of(option, "-d", "0", in.toString(),
                    theirs.toString()), null);
            assertTrue(run.ok(), run.describe(2000));
            Path ours = dir.resolve("vmcore4j" + option);
            try (Vmcore dump = Vmcore.open(in); DumpSink sink = DumpSink.toFile(ours)) {
                if (option.equals("-E")) {
                    ElfCollector.write(dump, PageFilter.forLevel(0), sink, CollectorListener.NONE);
                } else {
                    KdumpCollector.write(dump, PageFilter.forLevel(0), KdumpCollector.Options.of(Compression.ZLIB),
                            sink, CollectorListener.NONE);
                }
            }
            LibkdumpfileView md = LibkdumpfileView.of(theirs, 6);
            LibkdumpfileView v4j = LibkdumpfileView.of(ours, 6);
            for (long pfn : new long[] {2, 5}) {
                // makedumpfile 1.7.9: the first PT_LOAD spanning the frame decides, its zero fill too
                if (md.pages().get(pfn) != null) {
                    problems.add("makedumpfile " + option + " kept PFN " + pfn + ": the deviation is gone, drop it");
                }
                assertArrayEquals(input.pages().get(pfn), v4j.pages().get(pfn), "vmcore4j " + option + " PFN " + pfn);
            }
            assertArrayEquals(input.pages().get(0L), md.pages().get(0L), "both keep PFN 0");
            assertArrayEquals(input.pages().get(0L), v4j.pages().get(0L), "both keep PFN 0");
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void case8LevelZeroNeedsNoMemMap() throws Exception {
        try (Vmcore dump = Vmcore.open(new ByteArraySource(UncommonDumps.partialVmcoreinfo(), "partial"))) {
            List<String> warnings = new ArrayList<>();
            CollectorListener listener = new CollectorListener() {
                @Override
                public void warning(String message) {
                    warnings.add(message);
                }
            };
            ByteArrayDumpSink sink = new ByteArrayDumpSink();
            FilterReport r = KdumpCollector.write(dump, PageFilter.forLevel(0), KdumpCollector.Options.of(Compression.ZSTD),
                    sink, listener);
            assertEquals(8, r.remainingPages());
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("classifies no pages"), warnings.get(0));
            try (Vmcore out = Vmcore.open(new ByteArraySource(sink.toByteArray(), "out"))) {
                RandomElfLayouts.assertAgree("-z -d 0", new RandomElfLayouts.Layout(null, "case 8"), dump, out,
                        RandomElfLayouts.framesWhollyInRam(dump));
                assertEquals("6.1.0-partial", out.vmcoreInfo().orElseThrow().osRelease().orElseThrow());
            }
            assertThrows(UnsupportedKernelException.class, () -> PageFilter.forLevel(31).prepare(dump));
        }
    }

    @Test
    void case10ADumpWithoutMemoryIsRefusedByThatName() throws Exception {
        try (Vmcore dump = Vmcore.open(new ByteArraySource(UncommonDumps.noLoads(), "noloads"))) {
            VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> KdumpCollector.write(dump,
                    PageFilter.forLevel(0), KdumpCollector.Options.of(Compression.ZLIB), new ByteArrayDumpSink(),
                    CollectorListener.NONE));
            assertTrue(e.getMessage().contains("the dump holds no memory"), e.getMessage());
            ByteArrayDumpSink elf = new ByteArrayDumpSink();
            ElfCollector.write(dump, PageFilter.forLevel(0), elf, CollectorListener.NONE);
            try (Vmcore out = Vmcore.open(new ByteArraySource(elf.toByteArray(), "out"))) {
                assertEquals(0, out.physicalMemory().endPfn());
                assertNull(RandomElfLayouts.view(out).page(0));
            }
        }
    }
}
