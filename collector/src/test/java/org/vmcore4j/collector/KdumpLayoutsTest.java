package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.HeaderLayout;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.filter.PageFilter;

/**
 * The kdump writer on every header ABI and byte order it must produce, checked by an independent
 * reader: synthetic cores of 64-bit little-endian (x86_64, aarch64), 64-bit big-endian (ppc64,
 * s390x) and 32-bit (i386) kernels, written at -d 0 and -d 1 with each codec libkdumpfile knows,
 * read back by python3-libkdumpfile (architecture, page size, every page) and by our own reader.
 */
@RequiresLibkdumpfile
class KdumpLayoutsTest {
    private static final int PS = 4096;

    @TempDir
    Path tmp;

    static Stream<Arguments> machines() {
        List<Arguments> out = new ArrayList<>();
        Object[][] machines = {
            {"x86_64", ElfCoreBuilder.EM_X86_64, true, ByteOrder.LITTLE_ENDIAN, HeaderLayout.LP64},
            {"aarch64", ElfCoreBuilder.EM_AARCH64, true, ByteOrder.LITTLE_ENDIAN, HeaderLayout.LP64},
            {"ppc64", ElfCoreBuilder.EM_PPC64, true, ByteOrder.BIG_ENDIAN, HeaderLayout.LP64},
            {"s390x", ElfCoreBuilder.EM_S390, true, ByteOrder.BIG_ENDIAN, HeaderLayout.LP64},
            {"i386", ElfCoreBuilder.EM_386, false, ByteOrder.LITTLE_ENDIAN, HeaderLayout.ILP32_PACK},
        };
        for (Object[] m : machines) {
            for (Compression c : new Compression[] {Compression.ZLIB, Compression.LZO, Compression.SNAPPY,
                    Compression.ZSTD}) {
                out.add(Arguments.of(m[0], m[1], m[2], m[3], m[4], c, c == Compression.ZLIB ? 0 : 1));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {3} {5} -d {6}")
    @MethodSource("machines")
    void writtenLayoutReadsBackInLibkdumpfile(String name, int machine, boolean is64, ByteOrder order,
            HeaderLayout layout, Compression c, int level) throws Exception {
        ElfCoreBuilder b = is64 ? ElfCoreBuilder.elf64(order) : ElfCoreBuilder.elf32(order);
        byte[] ram = new byte[512 * PS];
        for (int p = 0; p < 512; p++) {
            if (p % 5 == 2) {
                continue; // zero pages
            }
            for (int i = 0; i < PS; i += 8) {
                ram[p * PS + i] = (byte) (p * 31 + i / 8);
                ram[p * PS + i + 3] = (byte) (p >> 3);
            }
            if (p % 17 == 0) { // incompressible: stored raw
                byte[] noise = new byte[PS];
                new java.util.Random(p).nextBytes(noise);
                System.arraycopy(noise, 0, ram, p * PS, PS);
            }
        }
        b.machine(machine).load(0x200000, 0, ram).load(0x800000, 0, Arrays.copyOf(ram, 64 * PS));
        Path in = tmp.resolve(name + ".core");
        Files.write(in, b.build().bytes());
        Path out = tmp.resolve(name + "." + c + ".kdump");
        try (Vmcore dump = Vmcore.open(in); DumpSink sink = DumpSink.toFile(out)) {
            assertEquals(order, dump.byteOrder());
            KdumpCollector.write(dump, PageFilter.forLevel(level), KdumpCollector.Options.of(c), sink,
                    CollectorListener.NONE);
        }
        long pages;
        try (Vmcore dump = Vmcore.open(in); KdumpVmcore k = KdumpVmcore.open(out)) {
            assertEquals(layout, k.files().get(0).layout(), "header ABI");
            assertEquals(order, k.byteOrder());
            pages = ElfPagesCheck.assertDumpablePagesEqual(k, dump, 100);
        }
        assertEquals(512 + 64, pages, "dumpable pages (zero pages share one at -d 1)");
        // libkdumpfile: same architecture, every page of both segments equal to the input's
        String script = """
                import kdumpfile, sys, hashlib
                k = kdumpfile.kdumpfile(sys.argv[1])
                # a synthetic core has no utsname for libkdumpfile to trust (it wants all five fields),
                # so it is told the architecture; the header layout and byte order it finds itself
                k.attr['arch.name'] = sys.argv[2]
                def attr(key):
                    try:
                        return k.attr[key]
                    except Exception as e:
                        return 'ERR:' + type(e).__name__
                print(attr('arch.name'), attr('arch.page_size'), attr('file.format'), attr('arch.byte_order'))
                h = hashlib.sha256()
                for start, n in ((0x200000, 512), (0x800000, 64)):
                    for p in range(n):
                        h.update(k.read(kdumpfile.KDUMP_MACHPHYSADDR, start + p * 4096, 4096))
                print(h.hexdigest())
                """;
        Process p = new ProcessBuilder(Corpus.systemPython(), "-c", script, out.toString(), expectedArch(name)).redirectErrorStream(true)
                .start();
        String result = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(1, TimeUnit.MINUTES) && p.exitValue() == 0, result);
        String[] lines = result.strip().split("\n");
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(ram);
        md.update(Arrays.copyOf(ram, 64 * PS));
        assertEquals(java.util.HexFormat.of().formatHex(md.digest()), lines[lines.length - 1].strip(),
                "libkdumpfile's pages of " + name + ": " + result);
        assertTrue(lines[0].startsWith(expectedArch(name) + " 4096 diskdump "
                + (order == ByteOrder.LITTLE_ENDIAN ? "1" : "0")), result);
    }

    private static String expectedArch(String name) {
        return switch (name) {
            case "i386" -> "ia32";
            case "s390x" -> "s390x";
            default -> name;
        };
    }
}
