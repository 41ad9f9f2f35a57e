package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfFormat;

import org.vmcore4j.elf.internal.ElfHeader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.ElfCoreBuilder;

class ElfVmcoreTest {
    private static final int PAGE = SyntheticCores.PAGE;

    static ElfVmcore open(byte[] bytes) throws IOException {
        return ElfVmcore.open(new ByteArraySource(bytes, "synthetic"));
    }

    static ElfVmcore open(ElfCoreBuilder b) throws IOException {
        return open(b.build().bytes());
    }

    static Stream<SyntheticCores.Core> cores() {
        return SyntheticCores.all().stream();
    }

    @ParameterizedTest
    @MethodSource("cores")
    void everySyntheticCoreIsConsistentWithTheNaiveModel(SyntheticCores.Core core) throws IOException {
        try (ElfVmcore v = open(core.bytes())) {
            DumpChecker.check(v, core.bytes());
        }
    }

    @Test
    void elf64LittleEndianX86_64HeadersNotesCpusAndMemory() throws IOException {
        SyntheticCores.Core core = SyntheticCores.x86_64();
        ElfCoreBuilder.Image img = core.image();
        try (ElfVmcore v = open(core.bytes())) {
            ElfHeader h = v.elf().header();
            assertEquals(ElfHeader.ELFCLASS64, h.elfClass());
            assertEquals(ByteOrder.LITTLE_ENDIAN, v.byteOrder());
            assertEquals(Architecture.X86_64, v.architecture());
            assertEquals(ElfHeader.ET_CORE, h.type());
            assertEquals(5, h.programHeaderCount());
            assertFalse(h.extendedNumbering());
            assertEquals("elf", v.formatName());

            List<ProgramHeader> ph = v.elf().programHeaders();
            assertEquals(ProgramHeader.PT_NOTE, ph.get(0).type());
            assertEquals(img.noteOffset(), ph.get(0).offset());
            assertEquals(img.noteSize(), ph.get(0).filesz());
            assertEquals(4, v.elf().loads().size());
            ProgramHeader text = ph.get(1);
            assertEquals(SyntheticCores.TEXT_VADDR, text.vaddr());
            assertEquals(0x103000, text.paddr());
            assertEquals(2 * PAGE, text.filesz());
            assertEquals((long) img.loadDataOffsets().get(0), text.offset());
            assertEquals(img.programHeaderOffsets().get(1), (int) text.headerOffset());

            assertEquals(3, v.notes().size());
            assertArrayEquals(Arrays.copyOfRange(core.bytes(), img.noteOffset(), img.noteOffset() + img.noteSize()),
                    v.elf().rawNotes(), "raw notes are the PT_NOTE bytes verbatim");

            List<CpuState> cpus = v.cpus();
            assertEquals(2, cpus.size());
            assertEquals(201, cpus.get(0).pid());
            assertEquals(0, cpus.get(1).pid());
            long[] r = SyntheticCores.regs(27, 2);
            assertEquals(r[16], cpus.get(0).register("rip").getAsLong());
            assertEquals(r[19], cpus.get(0).register("rsp").getAsLong());
            assertEquals(r[18], cpus.get(0).register("rflags").getAsLong());
            assertEquals(r[26], cpus.get(0).register("gs").getAsLong());
            assertEquals(27, cpus.get(0).registers().size());

            assertEquals("6.1.0-synthetic", v.vmcoreInfo().orElseThrow().osRelease().orElseThrow());
            assertEquals(1700000000L, v.vmcoreInfo().orElseThrow().crashTime().getAsLong());

            assertEquals(List.of(
                    new VirtualMapping(SyntheticCores.TEXT_VADDR, 0x103000, 2 * PAGE),
                    new VirtualMapping(SyntheticCores.DIRECT_MAP + 0x1000, 0x1000, 0x2c00),
                    new VirtualMapping(SyntheticCores.DIRECT_MAP + 0x100000, 0x100000, 8 * PAGE),
                    new VirtualMapping(SyntheticCores.DIRECT_MAP + 0x200000, 0x200000, 5 * PAGE)), v.statedMappings());

            PhysicalMemory m = v.physicalMemory();
            assertEquals(PAGE, m.pageSize());
            assertEquals(List.of(new PhysicalRange(0x1000, 0x3c00), new PhysicalRange(0x100000, 0x108000),
                    new PhysicalRange(0x200000, 0x205000)), m.ranges(), "kernel text merged into RAM");
            assertEquals(0x205, m.endPfn());
            byte[] page = new byte[PAGE];
            m.readPage(0x104, page, 0);
            assertArrayEquals(Arrays.copyOfRange(SyntheticCores.pattern(8 * PAGE, 1), 4 * PAGE, 5 * PAGE), page);
        }
    }

    @Test
    void fileSizeBelowMemorySizeIsExcludedAndReadsAsZeros() throws IOException {
        try (ElfVmcore v = open(SyntheticCores.x86_64().bytes())) {
            PhysicalMemory m = v.physicalMemory();
            assertEquals(PageStatus.PRESENT, m.status(0x201));
            assertEquals(PageStatus.EXCLUDED, m.status(0x202));
            assertEquals(PageStatus.EXCLUDED, m.status(0x204));
            assertEquals(PageStatus.NOT_RAM, m.status(0x205));
            byte[] page = new byte[PAGE];
            Arrays.fill(page, (byte) 1);
            m.readPage(0x203, page, 0);
            assertArrayEquals(new byte[PAGE], page);
            MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> m.readPage(0x205, page, 0));
            assertEquals(MemoryAccessException.Reason.NOT_RAM, e.reason());
            assertEquals(0x205000, e.address());
        }
    }

    @Test
    void aPartlyCoveredFrameIsPresentAndItsUncoveredBytesReadAsZeros() throws IOException {
        try (ElfVmcore v = open(SyntheticCores.x86_64().bytes())) {
            PhysicalMemory m = v.physicalMemory();
            assertEquals(PageStatus.NOT_RAM, m.status(0), "the page below a segment that starts on a page boundary");
            assertEquals(PageStatus.PRESENT, m.status(3), "0x3000-0x3c00 is data, 0x3c00-0x4000 is not RAM");
            assertEquals(PageStatus.NOT_RAM, m.status(4));
            byte[] page = new byte[PAGE];
            m.readPage(3, page, 0);
            byte[] data = SyntheticCores.pattern(0x2c00, 4);
            assertArrayEquals(Arrays.copyOfRange(data, 0x2000, 0x2c00), Arrays.copyOf(page, 0xc00));
            assertArrayEquals(new byte[PAGE - 0xc00], Arrays.copyOfRange(page, 0xc00, PAGE));
            // a read that crosses into a frame that is not RAM fails and names where
            MemoryAccessException e = assertThrows(MemoryAccessException.class,
                    () -> m.read(0x3ff0, new byte[32], 0, 32));
            assertEquals(0x4000, e.address());
            assertTrue(e.getMessage().contains("synthetic"), e.getMessage());
        }
    }

    @Test
    void overlappingLoadsTheFirstInTableOrderWins() throws IOException {
        byte[] a = SyntheticCores.pattern(4 * PAGE, 20);
        byte[] b = SyntheticCores.pattern(2 * PAGE, 21);
        ElfCoreBuilder builder = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .load(0x10000, 0, a)
                .load(0x11000, 0, b) // inside the first: never visible
                .load(0x13000, 0, b); // half inside, half beyond the first
        try (ElfVmcore v = open(builder)) {
            PhysicalMemory m = v.physicalMemory();
            assertEquals(List.of(new PhysicalRange(0x10000, 0x15000)), m.ranges());
            byte[] page = new byte[PAGE];
            m.readPage(0x11, page, 0);
            assertArrayEquals(Arrays.copyOfRange(a, PAGE, 2 * PAGE), page);
            m.readPage(0x13, page, 0);
            assertArrayEquals(Arrays.copyOfRange(a, 3 * PAGE, 4 * PAGE), page);
            m.readPage(0x14, page, 0);
            assertArrayEquals(Arrays.copyOfRange(b, PAGE, 2 * PAGE), page);
            assertTrue(v.statedMappings().isEmpty(), "segments without a virtual address state no mapping");
        }
    }

    @Test
    void fileDataOfALaterSegmentShowsThroughAnEarlierSegmentsZeroFill() throws IOException {
        // issue 14, a deliberate deviation from makedumpfile (whose first PT_LOAD spanning the address
        // decides, zero fill included): file data is never hidden by another segment's zero fill
        ElfCoreBuilder builder = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .load(0x10000, 0, SyntheticCores.pattern(PAGE, 22), 3L * PAGE)
                .load(0x11000, 0, SyntheticCores.pattern(2 * PAGE, 23));
        try (ElfVmcore v = open(builder)) {
            assertEquals(PageStatus.PRESENT, v.physicalMemory().status(0x11));
            byte[] page = new byte[PAGE];
            v.physicalMemory().readPage(0x12, page, 0);
            assertArrayEquals(Arrays.copyOfRange(SyntheticCores.pattern(2 * PAGE, 23), PAGE, 2 * PAGE), page);
            DumpChecker.check(v, builder.build().bytes());
        }
    }

    @Test
    void endPfnRoundsTheHighestSegmentEndUp() throws IOException {
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .load(0x100000, 0, new byte[100], 0x1001)
                .load(0x1000, 0, new byte[10]);
        try (ElfVmcore v = open(b)) {
            assertEquals(0x102, v.physicalMemory().endPfn());
            assertEquals(0x1001 + 10, v.physicalMemory().totalBytes());
        }
    }

    @Test
    void loadsWithoutPhysicalAddressOrSizeHaveNoMemory() throws IOException {
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .load(-1L, 0xffffc90000000000L, new byte[PAGE])
                .load(0x5000, 0xffff888000005000L, new byte[0])
                .load(0x8000, 0xffff888000008000L, new byte[PAGE]);
        try (ElfVmcore v = open(b)) {
            assertEquals(List.of(new PhysicalRange(0x8000, 0x9000)), v.physicalMemory().ranges());
            assertEquals(List.of(new VirtualMapping(0xffff888000008000L, 0x8000, PAGE)), v.statedMappings());
            assertEquals(3, v.elf().loads().size(), "the model keeps every program header");
        }
    }

    @Test
    void aTruncatedFileOpensAndItsMissingPagesAreLost() throws IOException {
        SyntheticCores.Core core = SyntheticCores.x86_64();
        long ramData = core.image().loadDataOffsets().get(2);
        byte[] cut = Arrays.copyOf(core.bytes(), (int) ramData + 2 * PAGE + 100);
        try (ElfVmcore v = open(cut)) {
            PhysicalMemory m = v.physicalMemory();
            assertEquals(PageStatus.PRESENT, m.status(0x101));
            assertEquals(PageStatus.LOST, m.status(0x102), "100 bytes of the page are there, the rest is not");
            assertEquals(PageStatus.LOST, m.status(0x107));
            assertEquals(PageStatus.LOST, m.status(0x200));
            assertEquals(PageStatus.PRESENT, m.status(0x103), "kernel text PT_LOAD comes first and its data is there");
            MemoryAccessException e = assertThrows(MemoryAccessException.class,
                    () -> m.readPage(0x105, new byte[PAGE], 0));
            assertEquals(MemoryAccessException.Reason.LOST, e.reason());
            assertTrue(e.getMessage().contains("file offset " + (ramData + 5 * PAGE)), e.getMessage());
            assertTrue(v.elf().availableFileBytes(v.elf().loads().get(2)) == 2 * PAGE + 100);
            DumpChecker.check(v, cut);
        }
    }

    @Test
    void pageSizeComesFromVmcoreinfoElseDefaultsTo4096() throws IOException {
        ElfCoreBuilder big = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).machine(ElfCoreBuilder.EM_AARCH64)
                .vmcoreInfo(SyntheticCores.vmcoreInfoText(65536))
                .load(0x40000000L, 0, new byte[65536 + 1]);
        try (ElfVmcore v = open(big)) {
            assertEquals(65536, v.physicalMemory().pageSize());
            assertEquals(0x4002, v.physicalMemory().endPfn());
        }
        ElfCoreBuilder none = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).load(0, 0, new byte[PAGE]);
        try (ElfVmcore v = open(none)) {
            assertEquals(4096, v.physicalMemory().pageSize());
            assertTrue(v.vmcoreInfo().isEmpty());
            VmcoreFormatException e = assertThrows(VmcoreFormatException.class, v::kernelAddressSpace);
            assertTrue(e.getMessage().contains("no VMCOREINFO"), e.getMessage());
        }
        for (String bad : List.of("4095", "0", "-4096", "abc", "2097152")) {
            ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).vmcoreInfo("PAGESIZE=" + bad + "\n");
            VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> open(b));
            assertTrue(e.getMessage().contains("PAGESIZE='" + bad + "'"), e.getMessage());
            assertEquals(b.build().noteHeaderOffsets().get(0) + 12 + 12, e.offset(), "points at the VMCOREINFO text");
        }
    }

    @Test
    void theLastVmcoreinfoNoteCounts() throws IOException {
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .vmcoreInfo("OSRELEASE=first\nPAGESIZE=4096\n")
                .vmcoreInfo("OSRELEASE=second\nPAGESIZE=8192\n");
        try (ElfVmcore v = open(b)) {
            assertEquals("second", v.vmcoreInfo().orElseThrow().osRelease().orElseThrow());
            assertEquals(8192, v.physicalMemory().pageSize());
        }
    }

    @Test
    void extendedNumberingWithMoreThan65534ProgramHeaders() throws IOException {
        for (boolean elf64 : new boolean[] {true, false}) {
            ElfCoreBuilder b = elf64 ? ElfCoreBuilder.elf64(ByteOrder.BIG_ENDIAN) : ElfCoreBuilder.elf32(ByteOrder.BIG_ENDIAN);
            // (not EM_S390: an ELFCLASS32 s390 core is a 31-bit dump, refused)
            b.machine(ElfCoreBuilder.EM_PPC64).dataAlignment(1);
            int loads = 0xffff + 2;
            for (int i = 0; i < loads; i++) {
                b.load((long) i * 2 * PAGE, 0, new byte[] {(byte) i, (byte) (i >> 8)}, PAGE);
            }
            ElfCoreBuilder.Image img = b.build();
            try (ElfVmcore v = open(img.bytes())) {
                ElfHeader h = v.elf().header();
                assertEquals(ElfHeader.PN_XNUM, h.phnumField());
                assertTrue(h.extendedNumbering());
                assertEquals(loads + 1, h.programHeaderCount());
                assertEquals(loads, v.elf().loads().size());
                assertEquals(loads, v.physicalMemory().ranges().size());
                byte[] two = new byte[2];
                int i = 0xfffe;
                v.physicalMemory().read((long) i * 2 * PAGE, two, 0, 2);
                assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8)}, two);
                assertEquals(PageStatus.PRESENT, v.physicalMemory().status((long) i * 2));
                assertEquals(PageStatus.NOT_RAM, v.physicalMemory().status((long) i * 2 + 1));
            }
        }
    }

    @Test
    void extendedNumberingCanBeUsedForSmallCountsToo() throws IOException {
        SyntheticCores.Core core = SyntheticCores.x86_64Extended();
        try (ElfVmcore v = open(core.bytes())) {
            assertTrue(v.elf().header().extendedNumbering());
            assertEquals(5, v.elf().programHeaders().size());
            DumpChecker.check(v, core.bytes());
        }
    }

    @ParameterizedTest
    @MethodSource("cores")
    void eachClassAndByteOrderDecodesItsOwnFields(SyntheticCores.Core core) throws IOException {
        ElfCoreBuilder.Image img = core.image();
        try (ElfVmcore v = open(img.bytes())) {
            ElfHeader h = v.elf().header();
            ByteBuffer raw = ByteBuffer.wrap(img.bytes()).order(h.byteOrder());
            assertEquals(img.programHeaderOffsets().size(), v.elf().programHeaders().size());
            for (ProgramHeader ph : v.elf().programHeaders()) {
                int at = img.programHeaderOffsets().get(ph.index());
                assertEquals(at, ph.headerOffset());
                if (h.is64()) {
                    assertEquals(raw.getLong(at + 24), ph.paddr());
                    assertEquals(raw.getLong(at + 40), ph.memsz());
                } else {
                    assertEquals(Integer.toUnsignedLong(raw.getInt(at + 12)), ph.paddr());
                    assertEquals(Integer.toUnsignedLong(raw.getInt(at + 20)), ph.memsz());
                    assertEquals(raw.getInt(at + 24), ph.flags());
                }
            }
            assertEquals(img.noteHeaderOffsets().size(), v.notes().size());
            for (CpuState c : v.cpus()) {
                assertEquals(PrStatus.registerNames(v.architecture()), List.copyOf(c.registers().keySet()));
            }
        }
    }

    @Test
    void aarch64BigEndianRegistersAndI386Registers() throws IOException {
        try (ElfVmcore v = open(SyntheticCores.aarch64BigEndian().bytes())) {
            assertEquals(Architecture.AARCH64, v.architecture());
            assertEquals(ByteOrder.BIG_ENDIAN, v.byteOrder());
            long[] r = SyntheticCores.regs(34, 7);
            CpuState c = v.cpus().get(1);
            assertEquals(78, c.pid());
            assertEquals(r[0], c.register("x0").getAsLong());
            assertEquals(r[29], c.register("x29").getAsLong());
            assertEquals(r[30], c.register("lr").getAsLong());
            assertEquals(r[31], c.register("sp").getAsLong());
            assertEquals(r[32], c.register("pc").getAsLong());
            assertEquals(r[33], c.register("pstate").getAsLong());
        }
        for (SyntheticCores.Core core : List.of(SyntheticCores.i386(), SyntheticCores.i386BigEndian())) {
            try (ElfVmcore v = open(core.bytes())) {
                assertEquals(Architecture.X86, v.architecture());
                int[] r = SyntheticCores.regs32(10);
                CpuState c = v.cpus().get(0);
                assertEquals(55, c.pid());
                assertEquals(Integer.toUnsignedLong(r[0]), c.register("ebx").getAsLong());
                assertEquals(Integer.toUnsignedLong(r[12]), c.register("eip").getAsLong());
                assertEquals(Integer.toUnsignedLong(r[14]), c.register("eflags").getAsLong());
                assertEquals(Integer.toUnsignedLong(r[16]), c.register("ss").getAsLong());
                // the second PT_LOAD lies inside the first: the first one's bytes are read
                byte[] page = new byte[PAGE];
                v.physicalMemory().readPage(0x101, page, 0);
                assertArrayEquals(Arrays.copyOfRange(SyntheticCores.pattern(3 * PAGE, 12), PAGE, 2 * PAGE), page);
            }
        }
    }

    @Test
    void ppc64RegistersAreDecodedWithTheirPid() throws IOException {
        byte[] desc = new byte[PrStatus.minimumSize(Architecture.PPC64)];
        ByteBuffer d = ByteBuffer.wrap(desc).order(ByteOrder.BIG_ENDIAN);
        d.putInt(32, 4242);
        d.putLong(112 + 32 * 8, 0xc000000000123456L); // pr_reg[32]: the pc
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_PPC64)
                .note("CORE", 1, desc);
        try (ElfVmcore v = open(b)) {
            CpuState cpu = v.cpus().get(0);
            assertEquals(4242, cpu.pid());
            assertEquals(44, cpu.registers().size());
            assertEquals(0xc000000000123456L, cpu.register("pc").getAsLong());
        }
    }

    @Test
    void defectsNameTheFileAndTheOffsetOfTheFaultyField() {
        byte[] good = SyntheticCores.x86_64().bytes();
        ElfCoreBuilder.Image img = SyntheticCores.x86_64().image();
        assertDefect(Arrays.copyOf(good, 10), 0, "too short for an ELF identification");
        assertDefect(Arrays.copyOf(good, 40), 0, "too short for the 64-byte ELF64 header");
        assertDefect(with(good, 0, (byte) 0x7e), 0, "no ELF magic");
        assertDefect(with(good, 4, (byte) 3), 4, "invalid ELF class");
        assertDefect(with(good, 5, (byte) 0), 5, "invalid ELF data encoding");
        assertDefect(with(good, 16, (byte) 2), 16, "not a core file");
        assertDefect(with(good, 18, (byte) 99), 18, "not an architecture");
        assertDefect(with(good, 54, (byte) 57), 54, "e_phentsize is 57");
        assertDefect(putLong(good, 32, good.length - 100), 32, "program header table");
        assertDefect(putShort(good, 56, 0xffff), 56, "e_shoff is 0");
        int note = img.programHeaderOffsets().get(0);
        assertDefect(putLong(good, note + 8, good.length - 10), note + 8, "PT_NOTE #0");
        assertDefect(putLong(good, note + 32, ElfFile.MAX_NOTE_BYTES + 1), note + 32, "limit");
        int load = img.programHeaderOffsets().get(2);
        assertDefect(putLong(good, load + 32, 0x2c01), load + 32, "larger than p_memsz");
        assertDefect(putLong(good, load + 24, -4096L), load + 40, "2^60");
        int firstNote = img.noteHeaderOffsets().get(0);
        assertDefect(putInt(good, firstNote + 4, 100000), firstNote + 4, "descriptor of 100000 bytes");
        assertDefect(putInt(good, firstNote, -1), firstNote, "note name of 4294967295 bytes");
        ElfCoreBuilder.Image shortPrStatus = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .note("CORE", 1, new byte[300]).build();
        assertDefect(shortPrStatus.bytes(), shortPrStatus.noteHeaderOffsets().get(0) + 12 + 8,
                "NT_PRSTATUS note of CPU 0 has 300 bytes; x86_64 needs at least 328");
    }

    @Test
    void trailingBytesInTheNoteSegmentMustBeZeroPadding() throws IOException {
        byte[] desc = {1, 2, 3};
        ElfCoreBuilder.Image padded = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).note("X", 7, desc)
                .rawNote(new byte[0], 0, 0, new byte[0], 0).build();
        try (ElfVmcore v = open(padded.bytes())) {
            assertEquals(1, v.notes().size(), "the all-zero note ends the list");
            assertArrayEquals(desc, v.notes().get(0).descriptor());
            assertEquals("X", v.notes().get(0).name());
        }
        // 4 more bytes in the segment than the notes use
        byte[] b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).note("X", 7, desc).note("Y", 8, new byte[4]).build().bytes();
        int note = 64;
        long filesz = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(note + 32);
        byte[] shorter = putLong(b, note + 32, filesz - 12); // leaves 8 bytes of the second note: too few for a header
        assertDefect(shorter, 64 + 56 + 20, "too few for a note header");
        byte[] zeroTail = putLong(b, note + 32, filesz - 12);
        Arrays.fill(zeroTail, 64 + 56 + 20, 64 + 56 + 28, (byte) 0);
        try (ElfVmcore v = open(zeroTail)) {
            assertEquals(1, v.notes().size());
        }
    }

    @Test
    void notesKeepOddNameAndDescriptorSizesAndDescriptorOffsets() throws IOException {
        ElfCoreBuilder.Image img = ElfCoreBuilder.elf32(ByteOrder.BIG_ENDIAN).machine(ElfCoreBuilder.EM_386)
                .note("A", 1, new byte[] {9})
                .note("LONGER_NAME", 0x12345678, new byte[] {1, 2, 3, 4, 5})
                .rawNote("NONUL".getBytes(StandardCharsets.US_ASCII), 5, 3, new byte[0], 0)
                .build();
        try (ElfVmcore v = open(img.bytes())) {
            List<org.vmcore4j.core.Note> n = v.notes();
            assertEquals(List.of("A", "LONGER_NAME", "NONUL"), n.stream().map(org.vmcore4j.core.Note::name).toList());
            assertEquals(0x12345678, n.get(1).type());
            assertEquals(img.noteHeaderOffsets().get(1) + 12 + 12, n.get(1).descriptorOffset());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, n.get(1).descriptor());
            assertEquals(0, n.get(2).descriptor().length);
            assertTrue(v.cpus().isEmpty(), "NT_PRSTATUS must be named CORE");
        }
    }

    @Test
    void probeAcceptsElfCoresOnly() throws IOException {
        ElfFormat f = new ElfFormat();
        assertTrue(f.probe(new ByteArraySource(SyntheticCores.i386BigEndian().bytes(), "x")));
        assertFalse(f.probe(new ByteArraySource(ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .type(ElfCoreBuilder.ET_EXEC).build().bytes(), "x")));
        assertFalse(f.probe(new ByteArraySource(new byte[] {0x7f, 'E', 'L', 'F'}, "x")));
        assertFalse(f.probe(new ByteArraySource(new byte[0], "x")));
        assertFalse(f.probe(new ByteArraySource("KDUMP   ........................".getBytes(StandardCharsets.US_ASCII), "x")));
    }

    @Test
    void vmcoreOpenFindsTheElfFormatThroughServiceLoader(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vmcore");
        Files.write(file, SyntheticCores.x86_64().bytes());
        try (Vmcore v = Vmcore.open(file)) {
            assertTrue(v instanceof ElfVmcore);
            assertEquals("elf", v.formatName());
            assertEquals(file.toString(), v.description());
            assertEquals(2, v.cpus().size());
        }
        try (ElfVmcore v = ElfVmcore.open(file)) {
            DumpChecker.check(v, SyntheticCores.x86_64().bytes());
        }
    }

    static void assertDefect(byte[] bytes, long offset, String reason) {
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> open(bytes));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().contains("file=synthetic"), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }

    static byte[] with(byte[] b, int at, byte v) {
        byte[] c = b.clone();
        c[at] = v;
        return c;
    }

    static byte[] putLong(byte[] b, int at, long v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
        return c;
    }

    static byte[] putInt(byte[] b, int at, int v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        return c;
    }

    static byte[] putShort(byte[] b, int at, int v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
        return c;
    }
}
