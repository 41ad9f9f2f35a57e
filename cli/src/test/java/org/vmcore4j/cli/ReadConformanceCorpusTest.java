package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Issue #17: {@code vmcore4j read} equals libkdumpfile's reads (python3-libkdumpfile, through
 * {@code kdumpfile_read.py}, which prints them as libkdumpfile's {@code dumpdata} does) on 10,000
 * physical and 10,000 kernel-virtual reads per corpus dump ({@link ReadSample}), on the ELF vmcore
 * and on the {@code -l -d 31} kdump file makedumpfile writes of it (1.7.9 for x86_64; the aarch64
 * reference for the 48-bit aarch64 dump, the only one it reads): the same
 * bytes and {@code ??} in the same places, and each failure at the same address for the same reason.
 *
 * <p>libkdumpfile's errors and our {@link ReadFailure}s, as this test maps them:
 * <ul>
 * <li>{@code AddressTranslationException} (KDUMP_ERR_ADDRXLAT): {@link ReadFailure#NOT_MAPPED};
 * <li>{@code NoDataException} (KDUMP_ERR_NODATA) on a page its {@code memory.pagemap} has as RAM:
 *     {@link ReadFailure#EXCLUDED}. Its kdump reader says "Excluded page" for every page without a
 *     bit in the 2nd bitmap, holes included, so the 1st bitmap's answer ({@code memory.pagemap}) tells
 *     the two apart, as our reader does;
 * <li>{@code NoDataException} on a page that is not RAM in {@code memory.pagemap} ("Page not found",
 *     "Out-of-bounds PFN", "Excluded page"): {@link ReadFailure#NOT_PRESENT};
 * <li>{@code NoDataException} in a kernel-virtual read (the script cannot tell which physical page it
 *     reached): {@link ReadFailure#EXCLUDED} or {@link ReadFailure#NOT_PRESENT};
 * <li>{@code CorruptException} (KDUMP_ERR_CORRUPT): {@link ReadFailure#CORRUPT};
 * <li>{@code AddressTranslationException} where vmcore4j translated the address into physical memory
 *     that is not RAM: {@link ReadFailure#NOT_PRESENT}. On aarch64 vmcore4j translates the linear map
 *     arithmetically (PAGE_OFFSET + physical address, as makedumpfile and crash do), libkdumpfile
 *     walks the page tables, which map RAM only; both fail at the same byte, each with its own cause.
 * </ul>
 * {@link ReadFailure#LOST} has no counterpart, and no corpus dump is incomplete: libkdumpfile 0.5.1
 * reads the data a truncated ELF core lacks as zeros (checked on ReadCommandTest's truncated core,
 * where {@code vmcore4j read} says lost). {@link ReadFailure#CORRUPT} is not met in the corpus
 * either; on ReadCommandTest's damaged descriptor libkdumpfile says "Wrong page size" (CORRUPT).
 *
 * <p>One difference is libkdumpfile's: its ELF reader (0.5.1 and upstream HEAD) zero-fills the page
 * just below each PT_LOAD, which no segment covers and its own {@code memory.pagemap} has as not RAM
 * ({@code find_closest_file_load} and {@code find_closest_file_vload} accept a segment that starts a
 * whole page above the page asked for: {@code pls->phys - paddr > dist} should be {@code >=}).
 * {@code kdumpfile_read.py} reports such physical reads as {@code NotRamZeroFill}, expected as
 * {@link ReadFailure#NOT_PRESENT}; {@link ReadSample} leaves kernel-virtual reads of those pages out.
 *
 * <p>One difference is ours and is not sampled: X86_64AddressSpace translates the whole kernel image
 * window ({@code __START_KERNEL_map} up to KERNEL_IMAGE_SIZE) arithmetically, as makedumpfile does,
 * so an address there but outside the image the kernel maps (0xffffffff81000000 under KASLR) reads
 * the physical memory the arithmetic names, where libkdumpfile's walk finds no page table
 * ("Page table not present: pmd[8]"). The sample reads the image only where the ELF's PT_LOAD
 * states it.
 */
@RequiresCorpus
@RequiresLibkdumpfile
@RequiresMakedumpfile
class ReadConformanceCorpusTest {
    static final int READS = 10_000;
    private static final Pattern OURS = Pattern.compile("vmcore4j: read failed at 0x([0-9a-f]+) \\(([a-z ]+)\\): ([^:]+): .*");
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("read-conformance");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    static Stream<Corpus.Dump> dumps() {
        return Corpus.dumps().stream().filter(d -> Corpus.x86_64Dumps().contains(d) || Corpus.aarch64Dumps().contains(d));
    }

    /** The dumps the comparison must cover: a corpus without one of them fails under VMCORE4J_REQUIRE_CORPUS=1. */
    @org.junit.jupiter.api.Test
    void theCorpusHoldsTheDumpsCompared() {
        List<String> names = Corpus.dumps().stream().map(Corpus.Dump::name).toList();
        for (String wanted : List.of("k61-1g-2cpu", "k612-1g-2cpu-s", "k612a64-1g-2cpu", "k612a64-1g-2cpu-va48")) {
            Prerequisites.assumePresent(names.contains(wanted), "corpus dump " + wanted + " is missing from "
                    + Corpus.directory() + " (testdata/tools/make-corpus.sh builds it)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void readsEqualLibkdumpfiles(Corpus.Dump dump) throws Exception {
        boolean x86 = Corpus.x86_64Dumps().contains(dump);
        Path elf = dump.vmcore();
        Path filtered = null;
        // aarch64: the reference is upstream makedumpfile b7587f1 under qemu-user (VMCORE4J_MAKEDUMPFILE_ARM64),
        // which reads the 48-bit dump only ("Can't convert a virtual address" on the 52-bit one)
        boolean arm64Filtered = !x86 && Corpus.booted48Bit(dump);
        if (x86 || (arm64Filtered && Corpus.makedumpfileArm64().isPresent())) {
            filtered = dir.resolve(dump.name() + ".d31");
            Files.deleteIfExists(filtered);
            List<String> cmd = new ArrayList<>(x86 ? CollectorHarness.makedumpfile()
                    : List.of(Corpus.makedumpfileArm64().orElseThrow().toString()));
            cmd.addAll(List.of("-l", "-d", "31", elf.toString(), filtered.toString()));
            CollectorHarness.ok(cmd, dir);
        }
        Path requests = dir.resolve(dump.name() + ".requests");
        try (Vmcore e = Vmcore.open(elf); Vmcore f = Vmcore.open(filtered != null ? filtered : elf)) {
            Files.write(requests, ReadSample.of(e, f, READS, dump.name().hashCode()).lines);
        }
        List<String> report = new ArrayList<>();
        report.add(compare(elf, requests));
        if (filtered != null) {
            report.add(compare(filtered, requests));
        }
        System.out.println(String.join("\n", report));
        if (arm64Filtered) {
            Prerequisites.assumePresent(filtered != null, "VMCORE4J_MAKEDUMPFILE_ARM64 does not name the aarch64 "
                    + "reference makedumpfile (testdata/tools/build-makedumpfile-arm64.sh): the ELF vmcore was compared, "
                    + "its -d 31 file was not");
        }
    }

    /** Compares one dump file's reads; returns a line of figures. */
    private static String compare(Path dump, Path requests) throws Exception {
        List<String[]> asked = Files.readAllLines(requests).stream().map(l -> l.split(" ")).toList();
        long t0 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"read", "--addresses", requests.toString(), dump.toString()},
                new PrintStream(out, true, StandardCharsets.US_ASCII), new PrintStream(err, true, StandardCharsets.US_ASCII),
                InputStream.nullInputStream());
        long oursMs = (System.nanoTime() - t0) / 1_000_000;
        Path script = dir.resolve("kdumpfile_read.py");
        try (InputStream in = ReadConformanceCorpusTest.class.getResourceAsStream("kdumpfile_read.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path theirsOut = dir.resolve(dump.getFileName() + ".libkdumpfile.out");
        t0 = System.nanoTime();
        Result r = CollectorHarness.run(List.of(Corpus.systemPython(), script.toString(), dump.toString(),
                requests.toString()), dir, null, theirsOut);
        long theirsMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.status(), () -> "kdumpfile_read.py failed on " + dump + ":\n" + r);
        String[] ours = out.toString(StandardCharsets.US_ASCII).split("\n", -1);
        String[] theirs = Files.readString(theirsOut, StandardCharsets.US_ASCII).split("\n", -1);
        int line = 0;
        while (line < ours.length && line < theirs.length && ours[line].equals(theirs[line])) {
            line++;
        }
        if (line < ours.length || line < theirs.length) {
            int read = readAtLine(asked, line);
            int at = line;
            fail(String.format(Locale.ROOT, "%s: read %d (%s) differs at output line %d:%n ours:          %s%n libkdumpfile:  %s",
                    dump.getFileName(), read, String.join(" ", asked.get(read)), at,
                    at < ours.length ? ours[at] : "<end>", at < theirs.length ? theirs[at] : "<end>"));
        }
        List<String> ourFailures = err.toString(StandardCharsets.US_ASCII).lines().toList();
        List<String> theirFailures = r.err().lines().toList();
        Map<String, Integer> byReason = new TreeMap<>();
        for (int i = 0; i < Math.max(ourFailures.size(), theirFailures.size()); i++) {
            String o = i < ourFailures.size() ? ourFailures.get(i) : "<none>";
            String t = i < theirFailures.size() ? theirFailures.get(i) : "<none>";
            Matcher m = OURS.matcher(o);
            String[] tf = t.split(" ", 4);
            assertTrue(m.matches() && tf.length == 4, () -> dump.getFileName() + ": failure lists differ:\n ours:         "
                    + o + "\n libkdumpfile: " + t);
            assertEquals(tf[0], m.group(1), () -> dump.getFileName() + ": failures at other addresses:\n ours:         "
                    + o + "\n libkdumpfile: " + t);
            ReadFailure ourReason = reasonOf(m.group(3));
            List<ReadFailure> allowed = expected(tf[1], tf[2], o);
            assertTrue(allowed.contains(ourReason), () -> dump.getFileName() + ": libkdumpfile's " + tf[1] + " ("
                    + tf[2] + ", " + tf[3] + ") should be one of " + allowed + ":\n ours: " + o);
            String message = tf[3].replaceAll("\\[\\d+\\]", "[N]").replaceAll("0x[0-9a-f]+", "X");
            byReason.merge(ourReason + " = " + tf[1] + " " + tf[2] + " '" + message + "'", 1, Integer::sum);
        }
        assertEquals(ourFailures.isEmpty() ? 0 : reasonOf(OURS.matcher(ourFailures.get(0)).replaceFirst("$3")).exitStatus(),
                status, "exit status");
        long unreadable = Stream.of(ours).mapToLong(l -> l.split("\\?\\?", -1).length - 1).sum();
        return String.format(Locale.ROOT, "%s: %d reads, %d output lines equal, %d bytes unreadable, %d failures %s; "
                + "vmcore4j %d ms, libkdumpfile %d ms", dump.getFileName(), asked.size(), ours.length, unreadable,
                ourFailures.size(), byReason, oursMs, theirsMs);
    }

    private static ReadFailure reasonOf(String description) {
        for (ReadFailure f : ReadFailure.values()) {
            if (f.description().equals(description)) {
                return f;
            }
        }
        throw new AssertionError("unknown reason: " + description);
    }

    private static List<ReadFailure> expected(String exception, String ram, String ours) {
        return switch (exception) {
            // the linear map translated arithmetically into a hole (see the class comment)
            case "AddressTranslationException" -> ours.contains("is not RAM in the dump")
                    ? List.of(ReadFailure.NOT_PRESENT) : List.of(ReadFailure.NOT_MAPPED);
            case "NoDataException" -> switch (ram) {
                case "ram" -> List.of(ReadFailure.EXCLUDED);
                case "noram" -> List.of(ReadFailure.NOT_PRESENT);
                default -> List.of(ReadFailure.EXCLUDED, ReadFailure.NOT_PRESENT);
            };
            case "CorruptException" -> List.of(ReadFailure.CORRUPT);
            case "NotRamZeroFill" -> List.of(ReadFailure.NOT_PRESENT);
            default -> List.of();
        };
    }

    /** The read whose output holds line {@code line}: each read prints one line per 16-byte block it touches. */
    private static int readAtLine(List<String[]> asked, int line) {
        long seen = 0;
        for (int i = 0; i < asked.size(); i++) {
            String a = asked.get(i)[0];
            long address = Long.parseUnsignedLong(a.substring(a.indexOf("0x") + 2), 16);
            long length = Long.parseLong(asked.get(i)[1]);
            seen += length == 0 ? ((address & 15) != 0 ? 1 : 0) : ((address + length - 1) >>> 4) - (address >>> 4) + 1;
            if (seen > line) {
                return i;
            }
        }
        return asked.size() - 1;
    }
}
