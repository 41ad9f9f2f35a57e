package org.vmcore4j.collector;

import org.vmcore4j.filter.PageFilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.LibkdumpfileView;
import org.vmcore4j.testdata.PageAgreement;
import org.vmcore4j.testdata.RequiresLibkdumpfile;

/**
 * The sampled half of issue 14's property ({@link RandomElfLayoutConversionProperties} is the other):
 * conversions of random ELF layouts, read back by python3-libkdumpfile instead of our reader, agree
 * with our reader of the input at every page. A fixed sample of seeds (a libkdumpfile run costs a
 * process), ELF32 and ELF64, both byte orders, {@code -E} and a kdump codec each.
 */
@RequiresLibkdumpfile
class RandomElfLayoutLibkdumpfileTest {
    private static final Compression[] CODECS = {Compression.ZLIB, Compression.LZO, Compression.SNAPPY,
            Compression.ZSTD};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void libkdumpfileReadsEveryConversionAsWeReadTheInput(long seed, @TempDir Path dir) throws Exception {
        boolean elf64 = seed % 2 == 0;
        ByteOrder order = seed % 4 < 2 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        RandomElfLayouts.Layout layout = RandomElfLayouts.build(seed * 7919, elf64, order);
        Path in = Files.write(dir.resolve("in.elf"), layout.bytes());
        Compression codec = CODECS[(int) (seed % CODECS.length)];
        try (Vmcore input = Vmcore.open(in)) {
            Path elf = dir.resolve("out.elf");
            Path kdump = dir.resolve("out.kdump");
            try (DumpSink sink = DumpSink.toFile(elf)) {
                ElfCollector.write(input, PageFilter.forLevel(0), sink, CollectorListener.NONE);
            }
            try (DumpSink sink = DumpSink.toFile(kdump)) {
                KdumpCollector.write(input, PageFilter.forLevel(0), KdumpCollector.Options.of(codec), sink,
                        CollectorListener.NONE);
            }
            long frames = input.physicalMemory().endPfn() + 1;
            for (Path out : List.of(elf, kdump)) {
                LibkdumpfileView theirs = LibkdumpfileView.of(out, frames);
                assertTrue(theirs.opened(), layout.description() + ": " + theirs);
                assertEquals(List.of(), PageAgreement.differences(frames, RandomElfLayouts.view(input),
                        pfn -> theirs.pages().get(pfn), RandomElfLayouts.framesWhollyInRam(input)),
                        out.getFileName() + " (" + codec + ") of " + layout.description());
                assertTrue(theirs.errors().isEmpty(), theirs.errors().toString());
            }
        }
    }
}
