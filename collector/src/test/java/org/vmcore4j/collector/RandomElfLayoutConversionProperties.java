package org.vmcore4j.collector;

import org.vmcore4j.filter.PageFilter;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.FlattenedSink;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Issue 14's property: whatever the ELF layout (see {@link RandomElfLayouts}), every conversion, read
 * back by our reader, agrees with our reader of the input at every address: equal bytes where the
 * output has data, nothing invented where the input has none, and no non-zero page lost that lies
 * wholly inside the input's RAM (see {@link RandomElfLayouts#framesWhollyInRam}). Each
 * try converts one core with {@code -E} and, by the seed, into a kdump-compressed file or a
 * flattened stream with one of the four codecs (so each kind gets about 5,000 of the 10,000 tries),
 * at dump level 0 or 1 (the levels a core without VMCOREINFO can be written at). The seed of a failing run
 * is reported by jqwik and the failing core's PT_LOADs by the assertion.
 */
class RandomElfLayoutConversionProperties {
    private static final Compression[] CODECS = {Compression.ZLIB, Compression.LZO, Compression.SNAPPY,
            Compression.ZSTD};

    @Property(tries = 10_000)
    void everyConversionAgreesWithTheInput(@ForAll long seed, @ForAll boolean elf64, @ForAll boolean bigEndian,
            @ForAll boolean zeroPagesExcluded) throws Exception {
        RandomElfLayouts.Layout layout = RandomElfLayouts.build(seed, elf64,
                bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int level = zeroPagesExcluded ? 1 : 0;
        Compression codec = CODECS[(int) Math.floorMod(seed >> 1, CODECS.length)];
        try (Vmcore input = Vmcore.open(new ByteArraySource(layout.bytes(), "input"))) {
            ByteArrayDumpSink elf = new ByteArrayDumpSink();
            ElfCollector.write(input, PageFilter.forLevel(level), elf, CollectorListener.NONE);
            try (Vmcore out = Vmcore.open(new ByteArraySource(elf.toByteArray(), "-E"))) {
                RandomElfLayouts.assertAgree("-E -d " + level, layout, input, out,
                        RandomElfLayouts.framesWhollyInRam(input));
            }
            if (Math.floorMod(seed, 2) == 0) {
                ByteArrayDumpSink kdump = new ByteArrayDumpSink();
                KdumpCollector.write(input, PageFilter.forLevel(level), KdumpCollector.Options.of(codec), kdump,
                        CollectorListener.NONE);
                try (Vmcore out = Vmcore.open(new ByteArraySource(kdump.toByteArray(), codec.toString()))) {
                    RandomElfLayouts.assertAgree(codec + " -d " + level, layout, input, out,
                            RandomElfLayouts.framesWhollyInRam(input));
                }
            } else {
                ByteArrayOutputStream stream = new ByteArrayOutputStream();
                try (FlattenedSink flat = new FlattenedSink(stream, "-F")) {
                    KdumpCollector.write(input, PageFilter.forLevel(level), KdumpCollector.Options.of(codec), flat,
                            CollectorListener.NONE);
                }
                try (Vmcore out = Vmcore.open(new ByteArraySource(stream.toByteArray(), "-F"))) {
                    RandomElfLayouts.assertAgree("-F " + codec + " -d " + level, layout, input, out,
                            RandomElfLayouts.framesWhollyInRam(input));
                }
            }
        }
    }
}
