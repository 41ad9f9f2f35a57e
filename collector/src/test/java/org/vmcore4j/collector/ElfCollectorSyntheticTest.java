package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.elf.internal.ElfHeader;
import org.vmcore4j.elf.ElfVmcore;
import org.vmcore4j.elf.ProgramHeader;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.PfnBitmap;
import org.vmcore4j.filter.ZeroPageHandling;

/**
 * {@link ElfCollector} on synthetic ELF cores (no VMCOREINFO, so levels 0 and 1): the 256-page rule,
 * partial first and last pages, ELF32 and big-endian output; against
 * makedumpfile 1.7.9 where it accepts the input (x86_64 machine).
 */
class ElfCollectorSyntheticTest {
    static final int PS = 4096;

    @TempDir
    Path tmp;

    /** 1024 pages at 1 MiB; pages 100..399 and 500..509 zero (FORMATS.md §12), then a partial segment. */
    static ElfCoreBuilder sample(ElfCoreBuilder b) {
        byte[] ram = new byte[1024 * PS];
        for (int p = 0; p < 1024; p++) {
            if ((p >= 100 && p < 400) || (p >= 500 && p < 510)) {
                continue;
            }
            for (int i = 0; i < PS; i += 64) {
                ram[p * PS + i] = (byte) (p * 7 + i / 64 + 1);
            }
        }
        // a segment starting and ending inside pages: 0x800 into page 0x600 up to 0x100 into page 0x603
        byte[] odd = new byte[3 * PS - 0x700];
        Arrays.fill(odd, (byte) 0x5a);
        // a segment whose tail is 300 zero pages (left out as memsz > filesz)
        byte[] tail = new byte[310 * PS];
        Arrays.fill(tail, 0, 10 * PS, (byte) 0x33);
        return b.prStatusX86_64(1, regs(1)).prStatusX86_64(2, regs(2))
                .load(0x100000, 0xffff888000100000L, ram)
                .load(0x600800, 0xffff888000600800L, odd)
                .load(0x1000000, 0xffff888001000000L, tail);
    }

    static long[] regs(int seed) {
        long[] r = new long[27];
        Arrays.fill(r, seed);
        return r;
    }

    Path write(ElfCoreBuilder b, String name) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, b.build().bytes());
        return p;
    }

    Path ours(Path in, int level) throws IOException {
        Path out = tmp.resolve(in.getFileName() + ".ours-d" + level);
        try (Vmcore dump = Vmcore.open(in); DumpSink sink = DumpSink.toFile(out)) {
            ElfCollector.write(dump, PageFilter.forLevel(level), sink, CollectorListener.NONE);
        }
        return out;
    }

    static Path makedumpfile(Path in, int level, Path out) throws Exception {
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process p = new ProcessBuilder(Corpus.requireMakedumpfile().toString(), "-E", "-d", Integer.toString(level),
                in.toString(), out.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), () -> {
            try {
                return Files.readString(log, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return e.toString();
            }
        });
        return out;
    }

    @Test
    @RequiresMakedumpfile
    void elf64SampleIsByteIdenticalToMakedumpfile() throws Exception {
        Path in = write(sample(ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)), "core64");
        for (int level : new int[] {0, 1}) {
            Path theirs = makedumpfile(in, level, tmp.resolve("theirs64-d" + level));
            Path ours = ours(in, level);
            assertEquals(-1, Files.mismatch(ours, theirs), "-d " + level);
        }
    }

    /** kexec-tools writes ELF32 core headers for x86_64 on request (--elf32-core-headers); makedumpfile takes them. */
    @Test
    @RequiresMakedumpfile
    void elf32SampleIsByteIdenticalToMakedumpfile() throws Exception {
        Path in = write(sample(ElfCoreBuilder.elf32(ByteOrder.LITTLE_ENDIAN)), "core32");
        for (int level : new int[] {0, 1}) {
            Path theirs = makedumpfile(in, level, tmp.resolve("theirs32-d" + level));
            Path ours = ours(in, level);
            assertEquals(-1, Files.mismatch(ours, theirs), "-d " + level);
        }
    }

    /** The §12 figures: the 300-page zero run splits the PT_LOAD, the 10-page one stays as data. */
    @Test
    void zeroRunsSplitSegmentsAsMakedumpfileDoes() throws Exception {
        Path in = write(sample(ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)), "core");
        Path out = ours(in, 1);
        try (ElfVmcore v = ElfVmcore.open(out)) {
            List<ProgramHeader> loads = v.elf().loads();
            assertEquals(ProgramHeader.PT_NOTE, v.elf().programHeaders().get(0).type());
            ProgramHeader a = loads.get(0);
            ProgramHeader b = loads.get(1);
            assertEquals(0x100000, a.paddr());
            assertEquals(0x64000, a.filesz());
            assertEquals(0x190000, a.memsz());
            assertEquals(0x290000, b.paddr());
            assertEquals(0xffff888000290000L, b.vaddr());
            assertEquals(0x270000, b.filesz());
            assertEquals(0x270000, b.memsz());
            assertEquals(a.offset() + a.filesz(), b.offset(), "data back to back, not page aligned");
            ProgramHeader odd = loads.get(2);
            // partial first page written (0x800 bytes) and the two whole pages; the partial last page is not RAM
            assertEquals(0x600800, odd.paddr());
            assertEquals(0x800 + 2 * PS, odd.filesz());
            assertEquals(3 * PS - 0x700, odd.memsz());
            ProgramHeader tail = loads.get(3);
            assertEquals(10 * PS, tail.filesz());
            assertEquals(310 * PS, tail.memsz());
            assertEquals(4, loads.size());
        }
        assertSamePages(in, out, 1);
    }

    @Test
    void bigEndianElf64AndElf32ReadBack() throws Exception {
        for (ElfCoreBuilder b : List.of(ElfCoreBuilder.elf64(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_PPC64),
                ElfCoreBuilder.elf32(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_PPC64),
                ElfCoreBuilder.elf32(ByteOrder.LITTLE_ENDIAN))) {
            byte[] ram = new byte[600 * PS];
            for (int i = 0; i < ram.length; i += 512) {
                ram[i] = (byte) (i / 512 + 1);
            }
            Arrays.fill(ram, 10 * PS, 300 * PS, (byte) 0);
            Path in = write(b.note("TEST", 7, new byte[100]).load(0x200000, 0xc0200000L, ram), "be" + b.hashCode());
            Path out = ours(in, 1);
            try (ElfVmcore orig = ElfVmcore.open(in); ElfVmcore v = ElfVmcore.open(out)) {
                ElfHeader h = v.elf().header();
                assertEquals(orig.elf().header().elfClass(), h.elfClass());
                assertEquals(orig.byteOrder(), v.byteOrder());
                assertEquals(orig.elf().header().machine(), h.machine());
                assertEquals(3, h.programHeaderCount());
                assertEquals(10 * PS, v.elf().loads().get(0).filesz());
                assertEquals(300 * PS, v.elf().loads().get(0).memsz());
                assertEquals(0x200000 + 300 * PS, v.elf().loads().get(1).paddr());
                assertArrayEquals(orig.elf().rawNotes(), v.elf().rawNotes());
            }
            assertSamePages(in, out, 1);
        }
    }

    /** Every page dumpable at {@code level} reads equal from both. */
    static void assertSamePages(Path in, Path out, int level) throws IOException {
        try (Vmcore a = Vmcore.open(in); Vmcore b = Vmcore.open(out)) {
            PhysicalMemory ma = a.physicalMemory();
            PhysicalMemory mb = b.physicalMemory();
            byte[] x = new byte[PS];
            byte[] y = new byte[PS];
            List<Long> n = new ArrayList<>();
            PageFilter.forLevel(level).withZeroPages(ZeroPageHandling.ELF_REMOVE).scan(a, c -> {
                PfnBitmap d = c.dumpable();
                for (long pfn = d.nextSetBit(c.startPfn()); pfn >= 0; pfn = d.nextSetBit(pfn + 1)) {
                    ma.readPage(pfn, x, 0);
                    mb.readPage(pfn, y, 0);
                    assertArrayEquals(x, y, "pfn 0x" + Long.toHexString(pfn));
                    n.add(pfn);
                }
            });
            assertTrue(n.size() > 0);
        }
    }
}
