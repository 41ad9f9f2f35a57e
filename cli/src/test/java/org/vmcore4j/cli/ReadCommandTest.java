package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.testdata.ElfCoreBuilder;
import org.vmcore4j.testdata.KdumpFileBuilder;
import org.vmcore4j.testdata.UncommonDumps;

/**
 * {@code vmcore4j read} on a small kdump fixture: frame 0 RAM (bytes 0x00, 0x01, ...), frame 1 RAM
 * excluded, frame 2 not RAM, frame 3 RAM (bytes 0x55); the same dump as one file, as a split set and
 * on standard input.
 */
class ReadCommandTest {
    record Run(int status, String out, String err) {
    }

    @TempDir
    Path dir;
    Path dump;

    static Run run(InputStream in, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), in);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... args) {
        return run(InputStream.nullInputStream(), args);
    }

    private static KdumpFileBuilder fixture() {
        byte[] first = new byte[4096];
        for (int i = 0; i < first.length; i++) {
            first[i] = (byte) i;
        }
        byte[] fives = new byte[4096];
        Arrays.fill(fives, (byte) 0x55);
        return KdumpFileBuilder.x86_64(8).page(0, first).excluded(1).page(3, fives);
    }

    @BeforeEach
    void writeDump() throws Exception {
        dump = Files.write(dir.resolve("dump.kdump"), fixture().build());
    }

    @Test
    void bytesIn16ByteAlignedLinesAsDumpdataPrintsThem() {
        Run r = run("read", dump.toString(), "0xc", "24");
        assertEquals(0, r.status(), r.err());
        assertEquals("0C 0D 0E 0F\n10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F\n20 21 22 23 \n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void severalPairsEachClosedByANewlineAndZeroLengthInsideABlockAnEmptyLine() {
        Run r = run("read", dump.toString(), "0x10", "16", "5", "0", "0x3000", "2");
        assertEquals(0, r.status(), r.err());
        assertEquals("10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F\n\n55 55 \n", r.out());
    }

    @Test
    void excludedBytesAreQuestionMarksWithOneMessageAndStatusThree() {
        Run r = run("read", dump.toString(), "0xff8", "24");
        assertEquals(ReadFailure.EXCLUDED.exitStatus(), r.status());
        assertEquals("F8 F9 FA FB FC FD FE FF\n?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ??\n", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("vmcore4j: read failed at 0x1000 (physical): excluded from the dump: "), r.err());
    }

    @Test
    void aRunThroughExcludedAndAbsentPagesReportsEachReasonOnceAndTheFirstDecidesTheStatus() {
        Run r = run("read", dump.toString(), "0x2ff0", "0x20", "0x1ff0", "0x20");
        assertEquals(ReadFailure.NOT_PRESENT.exitStatus(), r.status(), r.err());
        String[] lines = r.err().split("\n");
        assertEquals(2, lines.length, r.err());
        assertTrue(lines[0].startsWith("vmcore4j: read failed at 0x2ff0 (physical): not present in the dump: "), lines[0]);
        // the second read: excluded frame 1 then absent frame 2, one run of failures, one message
        assertTrue(lines[1].startsWith("vmcore4j: read failed at 0x1ff0 (physical): excluded from the dump: "), lines[1]);
        assertEquals("?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ??\n55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55\n"
                + "?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ??\n?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ??\n", r.out());
    }

    @Test
    void aTruncatedElfCoresMissingPageIsLost() throws Exception {
        byte[] elf = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).prStatusX86_64(1, new long[27])
                .load(0, 0, UncommonDumps.pattern(2 * 4096, 5)).build().bytes();
        Path truncated = Files.write(dir.resolve("truncated.elf"), Arrays.copyOf(elf, elf.length - 4096));
        Run r = run("read", truncated.toString(), "0xff8", "16");
        assertEquals(ReadFailure.LOST.exitStatus(), r.status(), r.err());
        assertTrue(r.out().endsWith("?? ?? ?? ?? ?? ?? ?? ?? \n"), r.out());
        assertTrue(r.err().startsWith("vmcore4j: read failed at 0x1000 (physical): lost (incomplete dump): "), r.err());
    }

    @Test
    void aPageWhoseDescriptorIsDamagedIsCorrupt() throws Exception {
        byte[] bytes = fixture().build();
        // frame 3's page (0x55 bytes, stored uncompressed) and its descriptor: offset, then size 4096
        int data = indexOf(bytes, filled(4096, (byte) 0x55));
        byte[] descriptor = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(data).putInt(4096).array();
        int at = indexOf(bytes, descriptor);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at + 8, 4095);
        Path damaged = Files.write(dir.resolve("damaged.kdump"), bytes);
        Run r = run("read", damaged.toString(), "0x3000", "4", "0", "2");
        assertEquals(ReadFailure.CORRUPT.exitStatus(), r.status(), r.err());
        assertEquals("?? ?? ?? ?? \n00 01 \n", r.out());
        assertTrue(r.err().startsWith("vmcore4j: read failed at 0x3000 (physical): corrupt or unreadable: "), r.err());
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void pastTheLastFrameIsNotPresent() {
        Run r = run("read", dump.toString(), "MACHPHYSADDR:0x100000", "1");
        assertEquals(ReadFailure.NOT_PRESENT.exitStatus(), r.status());
        assertEquals("?? \n", r.out());
    }

    @Test
    void kernelVirtualReadsNeedVmcoreinfoAndSayWhichOption() {
        Run r = run("read", "--kernel-virtual", dump.toString(), "0xffffffff81000000", "8");
        assertEquals(Main.FAILED, r.status());
        assertTrue(r.err().contains("--vmcoreinfo"), r.err());
        Run prefixed = run("read", dump.toString(), "KVADDR:0xffffffff81000000", "8");
        assertEquals(Main.FAILED, prefixed.status());
    }

    @Test
    void addressesFromAFileFollowThoseOfTheCommandLine() throws Exception {
        Path list = Files.writeString(dir.resolve("pairs"), "# one pair a line\n0x3000 2\n\n  0x20 0x10 \n");
        Run r = run("read", "--addresses", list.toString(), dump.toString(), "0", "1");
        assertEquals(0, r.status(), r.err());
        assertEquals("00 \n55 55 \n20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F\n", r.out());
    }

    @Test
    void aSplitSetAndStandardInputReadAsTheWholeFile() throws Exception {
        Path a = Files.write(dir.resolve("part.1"), fixture().splitPart(0, 2).build());
        Path b = Files.write(dir.resolve("part.2"), fixture().splitPart(2, 8).build());
        String[] pairs = {"0xf00", "0x200", "0x2ff8", "0x10", "0x3ff0", "0x20"};
        Run whole = run(concat(new String[] {"read", dump.toString()}, pairs));
        Run split = run(concat(new String[] {"read", b.toString(), a.toString()}, pairs));
        List<String> spoolsBefore = spools();
        Run stdin = run(new ByteArrayInputStream(Files.readAllBytes(dump)), concat(new String[] {"read", "-"}, pairs));
        assertEquals(spoolsBefore, spools(), "the copy of standard input is gone");
        assertEquals(ReadFailure.EXCLUDED.exitStatus(), whole.status(), whole.err());
        assertEquals(whole.out(), split.out());
        assertEquals(whole.status(), split.status());
        assertEquals(whole.out(), stdin.out());
        assertEquals(whole.status(), stdin.status());
        assertTrue(stdin.err().contains("(stream spooled to "), stdin.err());
    }

    @Test
    void badPairsAreUsageErrors() {
        assertEquals(Main.FAILED, run("read", dump.toString(), "0x10").status());
        assertEquals(Main.FAILED, run("read", dump.toString()).status());
        assertEquals(Main.FAILED, run("read", "0x10", "4").status());
        Run space = run("read", dump.toString(), "0x10", "zz");
        assertEquals(Main.FAILED, space.status());
        assertTrue(space.err().contains("invalid"), space.err());
        assertEquals(Main.FAILED, run("read", dump.toString(), "0xffffffffffffffff", "2").status());
        assertEquals(Main.FAILED, run("read", "--physical", "--kernel-virtual", dump.toString(), "0", "1").status());
    }

    @Test
    void numbersAreReadAsStrtoullReadsThem() {
        // 020 octal is 16, 16 decimal: the same line
        Run r = run("read", dump.toString(), "020", "16", "16", "0x10");
        assertEquals(0, r.status(), r.err());
        String line = "10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F\n";
        assertEquals(line + line, r.out());
    }

    private static List<String> spools() throws java.io.IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vmcore4j-") && n.endsWith(".spool"))
                    .sorted().toList();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
