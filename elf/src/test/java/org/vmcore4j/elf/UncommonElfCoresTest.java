package org.vmcore4j.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.UnsupportedDumpException;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.LibkdumpfileView;
import org.vmcore4j.testdata.PageAgreement;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.UncommonDumps;

/**
 * Issue 14's ELF fixtures ({@link UncommonDumps}) read by our reader and by python3-libkdumpfile:
 * unaligned and overlapping PT_LOADs (cases 1 and 2), Xen and 31-bit s390 cores (cases 3 and 4),
 * ppc64, riscv64 and s390x CPU notes (case 7); and the ELF writer's section header fields.
 */
class UncommonElfCoresTest {
    private static final int PAGE = UncommonDumps.PAGE;

    static ElfVmcore open(byte[] bytes) throws IOException {
        return ElfVmcore.open(new ByteArraySource(bytes, "fixture"));
    }

    /** A PRESENT page's bytes, else null. */
    static PageAgreement.PageView ours(ElfVmcore v) {
        PhysicalMemory mem = v.physicalMemory();
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
    void case2FileDataWinsOverAnotherSegmentsZeroFill() throws IOException {
        try (ElfVmcore v = open(UncommonDumps.zeroFillOverFileData())) {
            PhysicalMemory mem = v.physicalMemory();
            assertEquals(List.of(PageStatus.PRESENT, PageStatus.EXCLUDED, PageStatus.PRESENT, PageStatus.EXCLUDED,
                    PageStatus.NOT_RAM, PageStatus.PRESENT), List.of(mem.status(0), mem.status(1), mem.status(2),
                    mem.status(3), mem.status(4), mem.status(5)));
            assertArrayEquals(UncommonDumps.pattern(PAGE, 3), ours(v).page(2));
            assertArrayEquals(UncommonDumps.pattern(PAGE, 4), ours(v).page(5));
        }
    }

    @Test
    void case1PartialFramesReadAsTheSegmentsDescribeThem() throws IOException {
        try (ElfVmcore v = open(UncommonDumps.unalignedShortLoads())) {
            byte[] page = ours(v).page(0);
            assertArrayEquals(new byte[0x200], java.util.Arrays.copyOfRange(page, 0, 0x200));
            assertArrayEquals(UncommonDumps.pattern(0x200, 1), java.util.Arrays.copyOfRange(page, 0x200, 0x400));
            assertArrayEquals(new byte[0x800], java.util.Arrays.copyOfRange(page, 0x400, 0xc00));
            assertTrue(PageAgreement.isZero(java.util.Arrays.copyOfRange(page, 0xe00, PAGE)));
        }
    }

    @Test
    @RequiresLibkdumpfile
    void case1And2ReadAsLibkdumpfileReadsThem(@TempDir Path dir) throws IOException {
        for (byte[] fixture : List.of(UncommonDumps.unalignedShortLoads(), UncommonDumps.zeroFillOverFileData())) {
            Path file = Files.write(dir.resolve("core"), fixture);
            LibkdumpfileView theirs = LibkdumpfileView.of(file, 8);
            assertTrue(theirs.opened(), theirs.toString());
            try (ElfVmcore v = open(fixture)) {
                PageAgreement.PageView libk = pfn -> theirs.pages().get(pfn);
                assertEquals(List.of(), PageAgreement.differences(8, ours(v), libk, p -> true));
                assertEquals(List.of(), PageAgreement.differences(8, libk, ours(v), p -> true));
            }
        }
    }

    @Test
    @RequiresLibkdumpfile
    void case3XenDumpsAreRefusedByNameAndLibkdumpfileCallsThemXen(@TempDir Path dir) throws IOException {
        UnsupportedDumpException xc = assertThrows(UnsupportedDumpException.class, () -> open(UncommonDumps.xenXcCore()));
        assertTrue(xc.getMessage().contains("Xen xc_core domain dump"), xc.getMessage());
        UnsupportedDumpException dom0 = assertThrows(UnsupportedDumpException.class, () -> open(UncommonDumps.xenDom0()));
        assertTrue(dom0.getMessage().contains("Xen host"), dom0.getMessage());
        // libkdumpfile's xen.type: 1 a Xen system (hypervisor) dump, 2 a Xen domain (xc_core) dump
        LibkdumpfileView xcTheirs = LibkdumpfileView.of(Files.write(dir.resolve("xc"), UncommonDumps.xenXcCore()), 0);
        assertEquals("xc_core_elf", xcTheirs.attrs().get("file.format"), xcTheirs.toString());
        assertEquals("2", xcTheirs.attrs().get("xen.type"));
        LibkdumpfileView dom0Theirs = LibkdumpfileView.of(Files.write(dir.resolve("d0"), UncommonDumps.xenDom0()), 0);
        assertEquals("1", dom0Theirs.attrs().get("xen.type"), dom0Theirs.toString());
    }

    @Test
    @RequiresLibkdumpfile
    void case4Elf32S390IsA31BitDumpForUsAndForLibkdumpfile(@TempDir Path dir) throws IOException {
        UnsupportedDumpException e = assertThrows(UnsupportedDumpException.class, () -> open(UncommonDumps.elf32S390()));
        assertTrue(e.getMessage().contains("31-bit s390"), e.getMessage());
        LibkdumpfileView theirs = LibkdumpfileView.of(Files.write(dir.resolve("s390"), UncommonDumps.elf32S390()), 0);
        assertEquals("s390", theirs.attrs().get("arch.name"), theirs.toString());
    }

    @Test
    @RequiresLibkdumpfile
    void case7RegistersAreLibkdumpfilesForPpc64AndS390x(@TempDir Path dir) throws IOException {
        for (int machine : new int[] {ElfCoreBuilder.EM_PPC64, ElfCoreBuilder.EM_S390}) {
            byte[] core = UncommonDumps.prstatusCore(machine);
            LibkdumpfileView theirs = LibkdumpfileView.of(Files.write(dir.resolve("core" + machine), core), 0);
            assertEquals(2, theirs.registers().size(), theirs.toString());
            try (ElfVmcore v = open(core)) {
                assertEquals(2, v.cpus().size());
                for (CpuState c : v.cpus()) {
                    Map<String, Long> libk = theirs.registers().get(c.cpu());
                    assertEquals(libk, c.registers(), "CPU " + c.cpu() + " of machine " + machine);
                    assertEquals(1000 + c.cpu(), c.pid());
                }
            }
        }
    }

    @Test
    @RequiresLibkdumpfile
    void case7Riscv64RegistersFollowLibkdumpfilesLayout(@TempDir Path dir) throws IOException {
        byte[] core = UncommonDumps.prstatusCore(UncommonDumps.EM_RISCV);
        try (ElfVmcore v = open(core)) {
            CpuState cpu1 = v.cpus().get(1);
            assertEquals(32, cpu1.registers().size());
            // pr_reg[i] holds (cpu + 1) << 32 | i + 1: pc is pr_reg[0], t6 pr_reg[31]
            assertEquals(2L << 32 | 1, cpu1.register("pc").getAsLong());
            assertEquals(2L << 32 | 3, cpu1.register("sp").getAsLong());
            assertEquals(2L << 32 | 32, cpu1.register("t6").getAsLong());
        }
        // Debian's libkdumpfile 0.5.1 predates its riscv64 support (src/kdumpfile/riscv64.c, whose
        // names and layout PrStatusLayout follows): it opens the core but knows no architecture
        LibkdumpfileView theirs = LibkdumpfileView.of(Files.write(dir.resolve("riscv"), core), 0);
        assertTrue(theirs.opened(), theirs.toString());
        assertTrue(theirs.registers().isEmpty() || theirs.registers().get(1).get("pc") == (2L << 32 | 1),
                theirs.toString());
    }

    @Test
    void case10ACoreWithoutPtLoadHasNoMemory() throws IOException {
        try (ElfVmcore v = open(UncommonDumps.noLoads())) {
            assertEquals(0, v.physicalMemory().endPfn());
            assertEquals(PageStatus.NOT_RAM, v.physicalMemory().status(0));
            assertThrows(MemoryAccessException.class, () -> v.physicalMemory().readPage(0, new byte[PAGE], 0));
        }
    }

    @Test
    void case3WriterClearsSectionHeaderFieldsOfTheCopiedHeader() throws IOException {
        for (boolean elf64 : new boolean[] {true, false}) {
            ElfCoreBuilder b = elf64 ? ElfCoreBuilder.elf64(ByteOrder.BIG_ENDIAN) : ElfCoreBuilder.elf32(ByteOrder.BIG_ENDIAN);
            byte[] withSections = b.machine(ElfCoreBuilder.EM_PPC64).load(0, 0, new byte[PAGE])
                    .section(".comment", 1, new byte[16]).build().bytes();
            byte[] header = java.util.Arrays.copyOf(withSections, elf64 ? 64 : 52);
            ElfDumpWriterTest.MemorySink sink = new ElfDumpWriterTest.MemorySink();
            ElfDumpWriter w = ElfDumpWriter.create(sink, header, new ElfDumpWriter.Phdr(4, 0, 0, 0, 0, 0, 0, 0),
                    new byte[0], 0);
            w.begin();
            w.finish();
            ByteBuffer out = ByteBuffer.wrap(sink.content()).order(ByteOrder.BIG_ENDIAN);
            assertEquals(0, elf64 ? out.getLong(40) : out.getInt(32), "e_shoff");
            assertEquals(0, out.getShort(elf64 ? 60 : 48), "e_shnum");
            assertEquals(0, out.getShort(elf64 ? 62 : 50), "e_shstrndx");
            assertTrue((elf64 ? ByteBuffer.wrap(withSections).order(ByteOrder.BIG_ENDIAN).getLong(40)
                    : ByteBuffer.wrap(withSections).order(ByteOrder.BIG_ENDIAN).getInt(32)) > 0, "the input had sections");
        }
    }
}
