package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.elf.ElfVmcore;
import org.vmcore4j.elf.ProgramHeader;
import org.vmcore4j.testdata.LibkdumpfileView;
import org.vmcore4j.testdata.PageAgreement;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.UncommonDumps;

/**
 * Issue 14 on the command line: the fixtures of {@link UncommonDumps} (a case each) converted and
 * inspected as a user would, and every converted file of cases 1 and 2 ({@code -E}, {@code -c},
 * {@code -l}, {@code -p}, {@code -z}, {@code -F} then {@code -R}) read back by our reader and by
 * python3-libkdumpfile and compared with our reader of the input at every page.
 */
class UncommonDumpsCommandTest {
    private static final int PAGE = UncommonDumps.PAGE;

    record Run(int status, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Run run(InputStream stdin, ByteArrayOutputStream stdout, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = stdout != null ? stdout : new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stdin);
        return new Run(status, stdout != null ? "" : out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... args) {
        return run(InputStream.nullInputStream(), null, args);
    }

    static Stream<Arguments> conversions() {
        List<Arguments> out = new ArrayList<>();
        for (String fixture : List.of("case1", "case2")) {
            for (String option : List.of("-E", "-c", "-l", "-p", "-z", "-F")) {
                out.add(Arguments.of(fixture, option));
            }
        }
        return out.stream();
    }

    static byte[] fixture(String name) {
        return name.equals("case1") ? UncommonDumps.unalignedShortLoads() : UncommonDumps.zeroFillOverFileData();
    }

    /** Converts {@code in} with {@code option} at -d 0; -F goes through a stream and -R. */
    static Path convert(Path in, String option, Path dir) throws IOException {
        Path out = dir.resolve("out" + option);
        if (option.equals("-F")) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            Run f = run(InputStream.nullInputStream(), stream, "-F", "-d", "0", in.toString());
            assertEquals(0, f.status(), f.all());
            Path flat = Files.write(dir.resolve("out.flat"), stream.toByteArray());
            try (InputStream s = Files.newInputStream(flat)) {
                Run r = run(s, null, "-R", out.toString());
                assertEquals(0, r.status(), r.all());
            }
        } else {
            Run r = run(option, "-d", "0", in.toString(), out.toString());
            assertEquals(0, r.status(), r.all());
        }
        return out;
    }

    /** Our reader's view: a PRESENT page's bytes, else null (excluded, not RAM, lost). */
    static PageAgreement.PageView ours(Vmcore dump) {
        PhysicalMemory mem = dump.physicalMemory();
        return pfn -> {
            if (pfn >= mem.endPfn() || mem.status(pfn) != PageStatus.PRESENT) {
                return null;
            }
            byte[] page = new byte[mem.pageSize()];
            try {
                mem.readPage(pfn, page, 0);
                return page;
            } catch (MemoryAccessException e) {
                return null;
            }
        };
    }

    static PageAgreement.PageView libkdumpfile(LibkdumpfileView v) {
        return pfn -> v.pages().get(pfn);
    }

    /** Frames wholly inside the input's RAM: a conversion keeps their data (see RandomElfLayouts in filter). */
    static LongPredicate whollyInRam(Vmcore input) {
        List<PhysicalRange> ranges = input.physicalMemory().ranges();
        return pfn -> ranges.stream().anyMatch(r -> pfn * PAGE >= r.start() && (pfn + 1) * PAGE <= r.end());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("conversions")
    @RequiresLibkdumpfile
    void conversionReadBackByUsAndLibkdumpfileAgreesWithTheInput(String fixture, String option, @TempDir Path dir)
            throws Exception {
        Path in = Files.write(dir.resolve(fixture + ".elf"), fixture(fixture));
        Path out = convert(in, option, dir);
        long pages = 8;
        LibkdumpfileView theirs = LibkdumpfileView.of(out, pages);
        assertTrue(theirs.opened(), "libkdumpfile cannot open the " + option + " file: " + theirs);
        assertTrue(theirs.errors().isEmpty(), "libkdumpfile read errors: " + theirs.errors());
        try (Vmcore input = Vmcore.open(in); Vmcore output = Vmcore.open(out)) {
            LongPredicate keep = whollyInRam(input);
            assertEquals(List.of(), PageAgreement.differences(pages, ours(input), ours(output), keep),
                    "our reader of the " + option + " file");
            assertEquals(List.of(), PageAgreement.differences(pages, ours(input), libkdumpfile(theirs), keep),
                    "libkdumpfile's reading of the " + option + " file");
            if (fixture.equals("case2")) {
                // the deviation from makedumpfile: file data under another PT_LOAD's zero fill is kept
                assertArrayEquals(UncommonDumps.pattern(PAGE, 3), theirs.pages().get(2L), "PFN 2");
                assertArrayEquals(UncommonDumps.pattern(PAGE, 4), theirs.pages().get(5L), "PFN 5");
            }
            if (fixture.equals("case1") && option.equals("-E")) {
                List<ProgramHeader> loads = ((ElfVmcore) output).elf().loads();
                assertEquals(0x200, loads.get(0).paddr());
                assertEquals(0x400, loads.get(0).filesz(), "the first PT_LOAD ends where its input segment ends");
                for (int i = 1; i < loads.size(); i++) {
                    assertTrue(loads.get(i - 1).paddr() + loads.get(i - 1).memsz() <= loads.get(i).paddr(),
                            "PT_LOADs overlap: " + loads);
                }
                byte[] page0 = theirs.pages().get(0L);
                assertArrayEquals(new byte[0x200], java.util.Arrays.copyOfRange(page0, 0x400, 0x600),
                        "0x400-0x5ff is zero fill, not the 0xAA bytes that follow in the file");
            }
        }
    }

    @Test
    @RequiresLibkdumpfile
    void case1And2InputsReadTheSameByUsAndLibkdumpfile(@TempDir Path dir) throws Exception {
        for (String fixture : List.of("case1", "case2")) {
            Path in = Files.write(dir.resolve(fixture + ".elf"), fixture(fixture));
            LibkdumpfileView theirs = LibkdumpfileView.of(in, 8);
            try (Vmcore input = Vmcore.open(in)) {
                assertEquals(List.of(), PageAgreement.differences(8, ours(input), libkdumpfile(theirs), p -> true),
                        fixture + ": a page we read differs from libkdumpfile's, or it lacks one");
                assertEquals(List.of(), PageAgreement.differences(8, libkdumpfile(theirs), ours(input), p -> true),
                        fixture + ": a page libkdumpfile reads differs from ours, or we lack one");
            }
        }
    }

    @Test
    void case3XenDumpsAreRefusedByNameAndLeaveNoOutput(@TempDir Path dir) throws Exception {
        Path xc = Files.write(dir.resolve("xc.elf"), UncommonDumps.xenXcCore());
        Run r = run("-E", "-d", "0", xc.toString(), dir.resolve("out").toString());
        assertEquals(1, r.status(), r.all());
        assertTrue(r.all().contains("Xen xc_core"), r.all());
        assertFalse(Files.exists(dir.resolve("out")), "a refused run leaves no DUMPFILE");
        Path dom0 = Files.write(dir.resolve("dom0.elf"), UncommonDumps.xenDom0());
        Run i = run("info", dom0.toString());
        assertEquals(1, i.status(), i.all());
        assertTrue(i.all().contains("Xen host"), i.all());
    }

    @Test
    void case6InfoShowsTheKdumpHeadersRelease(@TempDir Path dir) throws Exception {
        Path k = Files.write(dir.resolve("k.kdump"), UncommonDumps.kdumpWithoutVmcoreinfo());
        Run r = run("info", k.toString());
        assertEquals(0, r.status(), r.all());
        assertTrue(r.out().contains("release:    " + UncommonDumps.HEADER_RELEASE), r.out());
    }

    @Test
    void case7InfoListsPpc64Riscv64AndS390xRegisters(@TempDir Path dir) throws Exception {
        int[] machines = {21, UncommonDumps.EM_RISCV, 22};
        String[] firstRegister = {"r0", "pc", "pswm"};
        for (int i = 0; i < machines.length; i++) {
            Path core = Files.write(dir.resolve("core" + i), UncommonDumps.prstatusCore(machines[i]));
            Run r = run("info", core.toString());
            assertEquals(0, r.status(), r.all());
            assertTrue(r.out().contains("2 with saved registers"), r.out());
            assertTrue(r.out().matches("(?s).*\\n    " + firstRegister[i] + " +0000000100000001.*"), r.out());
        }
    }

    @Test
    void case8LevelZeroWritesADumpWhoseVmcoreinfoIsPartial(@TempDir Path dir) throws Exception {
        Path in = Files.write(dir.resolve("partial.elf"), UncommonDumps.partialVmcoreinfo());
        Path out = dir.resolve("out");
        Run r = run("-c", "-d", "0", in.toString(), out.toString());
        assertEquals(0, r.status(), r.all());
        try (Vmcore input = Vmcore.open(in); Vmcore output = Vmcore.open(out)) {
            assertEquals(List.of(), PageAgreement.differences(9, ours(input), ours(output), p -> p < 8));
        }
        Run refused = run("-c", "-d", "31", in.toString(), dir.resolve("d31").toString());
        assertEquals(1, refused.status(), refused.all());
        assertTrue(refused.all().contains("needs VMCOREINFO keys"), refused.all());
    }

    @Test
    void case9AFailedRunLeavesNoEmptyDumpfile(@TempDir Path dir) throws Exception {
        Path partial = Files.write(dir.resolve("partial.elf"), UncommonDumps.partialVmcoreinfo());
        Path noLoads = Files.write(dir.resolve("noloads.elf"), UncommonDumps.noLoads());
        for (String[] args : new String[][] {
                {"-c", "-d", "31", partial.toString(), dir.resolve("d31").toString()},
                {"-E", "-d", "31", partial.toString(), dir.resolve("d31.elf").toString()},
                {"-l", "-d", "0", noLoads.toString(), dir.resolve("empty").toString()},
                {"--split", "-d", "31", partial.toString(), dir.resolve("s1").toString(), dir.resolve("s2").toString()}}) {
            Run r = run(args);
            assertEquals(1, r.status(), r.all());
            assertEquals(List.of("noloads.elf", "partial.elf"), Files.list(dir).map(p -> p.getFileName().toString())
                    .sorted().toList(), "after " + String.join(" ", args));
        }
    }

    @Test
    void case10ADumpWithoutMemorySaysSo(@TempDir Path dir) throws Exception {
        Path in = Files.write(dir.resolve("noloads.elf"), UncommonDumps.noLoads());
        Run r = run("-c", "-d", "0", in.toString(), dir.resolve("out").toString());
        assertEquals(1, r.status(), r.all());
        assertTrue(r.all().contains("the dump holds no memory"), r.all());
        assertFalse(r.all().contains("max_mapnr out of range"), r.all());
        Run elf = run("-E", "-d", "0", in.toString(), dir.resolve("out.elf").toString());
        assertEquals(0, elf.status(), elf.all());
        try (Vmcore v = Vmcore.open(dir.resolve("out.elf"))) {
            assertEquals(0, v.physicalMemory().endPfn(), "-E writes an ELF dump without memory");
            assertEquals(1, v.cpus().size());
        }
    }

    @Test
    void case11NamesTheMissingBitmaps(@TempDir Path dir) throws Exception {
        Path in = Files.write(dir.resolve("nobitmaps.kdump"), UncommonDumps.kdumpWithoutBitmaps());
        Run r = run("info", in.toString());
        assertEquals(1, r.status(), r.all());
        assertTrue(r.all().contains("bitmap_blocks is 0"), r.all());
        assertFalse(r.all().contains("valid block size"), r.all());
    }

    @Test
    void case5InfoReadsASplitPartNotStartingAtPfnZero(@TempDir Path dir) throws Exception {
        Path part = Files.write(dir.resolve("p1"), UncommonDumps.splitSetPart(1, 8));
        Run r = run("info", part.toString());
        assertEquals(0, r.status(), r.all());
        Path second = Files.write(dir.resolve("p2"), UncommonDumps.splitSetPart(8, UncommonDumps.SPLIT_FRAMES));
        Run re = run("--reassemble", part.toString(), second.toString(), dir.resolve("whole").toString());
        assertEquals(0, re.status(), re.all());
        try (Vmcore whole = Vmcore.open(dir.resolve("whole"))) {
            assertNull(ours(whole).page(0), "PFN 0 is in no part");
            for (long p = 1; p < UncommonDumps.SPLIT_FRAMES; p++) {
                assertArrayEquals(UncommonDumps.pattern(PAGE, 100 + (int) p), ours(whole).page(p), "PFN " + p);
            }
        }
    }
}
