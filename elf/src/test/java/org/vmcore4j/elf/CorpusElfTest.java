package org.vmcore4j.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;

/**
 * The ELF reader on real x86_64 vmcores, compared with the reference tools run on the same file:
 * {@code readelf} for program headers and notes, python3-libkdumpfile for registers, VMCOREINFO and
 * physical page contents. Nothing is compared with numbers from a particular corpus build.
 */
class CorpusElfTest {
    /** Pages compared per dump; the sample also holds every segment's edges. */
    private static final int SAMPLED_PFNS = 10_000;

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    // ---- readelf ---------------------------------------------------------------------------

    /** {@code readelf -l -W} program header line: type, offset, vaddr, paddr, filesz, memsz, flags, align. */
    private static final Pattern PHDR = Pattern.compile(
            "^\\s+(\\S+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s(.{3})\\s(0x[0-9a-f]+|\\d+)$");
    /** {@code readelf -n -W} note line: owner, data size, description. */
    private static final Pattern NOTE = Pattern.compile("^\\s+(\\S+)\\s+(0x[0-9a-f]+)\\s+(.*)$");

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresCorpus
    @RequiresCommand("readelf")
    void programHeadersEqualReadelfs(Corpus.Dump dump) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String line : run(List.of("readelf", "-l", "-W", dump.vmcore().toString()), 60)) {
            Matcher m = PHDR.matcher(line);
            if (m.matches()) {
                rows.add(String.join(" ", m.group(1), hex(m.group(2)), hex(m.group(3)), hex(m.group(4)),
                        hex(m.group(5)), hex(m.group(6)), m.group(7), hex(m.group(8))));
            }
        }
        try (ElfVmcore v = ElfVmcore.open(dump.vmcore())) {
            List<String> ours = new ArrayList<>();
            for (ProgramHeader ph : v.elf().programHeaders()) {
                String type = switch (ph.type()) {
                    case ProgramHeader.PT_LOAD -> "LOAD";
                    case ProgramHeader.PT_NOTE -> "NOTE";
                    case ProgramHeader.PT_NULL -> "NULL";
                    default -> "0x" + Integer.toHexString(ph.type());
                };
                String flags = ((ph.flags() & ProgramHeader.PF_R) != 0 ? "R" : " ")
                        + ((ph.flags() & ProgramHeader.PF_W) != 0 ? "W" : " ")
                        + ((ph.flags() & ProgramHeader.PF_X) != 0 ? "E" : " ");
                ours.add(String.join(" ", type, Long.toHexString(ph.offset()), Long.toHexString(ph.vaddr()),
                        Long.toHexString(ph.paddr()), Long.toHexString(ph.filesz()), Long.toHexString(ph.memsz()),
                        flags, Long.toHexString(ph.align())));
            }
            assertFalse(rows.isEmpty(), "readelf printed no program headers");
            assertEquals(rows, ours);
            assertTrue(v.elf().loads().size() >= 2, "a vmcore has RAM PT_LOADs and a kernel text PT_LOAD");
        }
    }

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresCorpus
    @RequiresCommand("readelf")
    void notesEqualReadelfs(Corpus.Dump dump) throws Exception {
        List<String> theirs = new ArrayList<>();
        boolean inTable = false;
        for (String line : run(List.of("readelf", "-n", "-W", dump.vmcore().toString()), 60)) {
            if (line.trim().startsWith("Owner")) {
                inTable = true;
                continue;
            }
            Matcher m = NOTE.matcher(line);
            if (inTable && m.matches() && !line.trim().startsWith("description data")) {
                theirs.add(m.group(1) + " " + Long.parseLong(m.group(2).substring(2), 16));
            }
        }
        try (ElfVmcore v = ElfVmcore.open(dump.vmcore())) {
            List<String> ours = v.notes().stream().map(n -> n.name() + " " + n.descriptor().length).toList();
            assertEquals(theirs, ours);
            assertTrue(v.notes().stream().anyMatch(n -> n.is("VMCOREINFO", 0)));
            long noteFilesz = v.elf().noteSegments().stream().mapToLong(NoteSegment::size).sum();
            assertEquals(noteFilesz, v.elf().rawNotes().length);
        }
    }

    // ---- libkdumpfile: registers and VMCOREINFO ---------------------------------------------

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresCorpus
    @RequiresLibkdumpfile
    void cpuRegistersEqualLibkdumpfilesNameByName(Corpus.Dump dump, @TempDir Path tmp) throws Exception {
        int expectedCpus = -1;
        Map<Integer, Integer> pids = new LinkedHashMap<>();
        Map<Integer, Map<String, Long>> regs = new LinkedHashMap<>();
        for (String line : oracle(tmp, "cpus", dump.vmcore().toString())) {
            String[] w = line.split(" ");
            if (w[0].equals("cpus")) {
                expectedCpus = Integer.parseInt(w[1]);
            } else if (w[2].equals("pid")) {
                pids.put(Integer.parseInt(w[1]), Integer.parseInt(w[3]));
            } else {
                regs.computeIfAbsent(Integer.parseInt(w[1]), k -> new LinkedHashMap<>())
                        .put(w[3], Long.parseUnsignedLong(w[4]));
            }
        }
        try (ElfVmcore v = ElfVmcore.open(dump.vmcore())) {
            assertTrue(expectedCpus > 0, "libkdumpfile saw no CPUs");
            assertEquals(expectedCpus, v.cpus().size());
            for (CpuState c : v.cpus()) {
                assertEquals(pids.get(c.cpu()), c.pid(), "pid of CPU " + c.cpu());
                Map<String, Long> want = regs.get(c.cpu());
                assertEquals(want.keySet().stream().sorted().toList(),
                        c.registers().keySet().stream().sorted().toList(), "register names of CPU " + c.cpu());
                for (Map.Entry<String, Long> e : want.entrySet()) {
                    assertEquals(e.getValue(), c.register(e.getKey()).getAsLong(),
                            "CPU " + c.cpu() + " register " + e.getKey());
                }
            }
            assertTrue(v.cpus().stream().anyMatch(c -> c.register("rip").getAsLong() != 0),
                    "a crashed CPU has a non-zero instruction pointer");
        }
    }

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresCorpus
    @RequiresLibkdumpfile
    void vmcoreInfoEqualsLibkdumpfiles(Corpus.Dump dump, @TempDir Path tmp) throws Exception {
        byte[] raw = null;
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : oracle(tmp, "vmcoreinfo", dump.vmcore().toString())) {
            if (line.startsWith("raw ")) {
                raw = HexFormat.of().parseHex(line.substring(4));
            } else if (line.startsWith("line ")) {
                int tab = line.indexOf('\t');
                lines.put(line.substring(5, tab), line.substring(tab + 1));
            }
        }
        try (ElfVmcore v = ElfVmcore.open(dump.vmcore())) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            assertTrue(raw != null && raw.length > 0, "libkdumpfile gave no raw VMCOREINFO");
            assertEquals(new String(raw, StandardCharsets.ISO_8859_1), info.text());
            List<String> differences = new ArrayList<>();
            for (String key : lines.keySet()) {
                if (!lines.get(key).equals(info.entries().get(key))) {
                    differences.add(key + ": libkdumpfile '" + lines.get(key) + "', ours '" + info.entries().get(key) + "'");
                }
            }
            for (String key : info.entries().keySet()) {
                if (!lines.containsKey(key)) {
                    differences.add(key + ": only ours has it");
                }
            }
            assertEquals(List.of(), differences, "VMCOREINFO keys and values");
            assertTrue(lines.size() > 50, "libkdumpfile split " + lines.size() + " lines");
            for (String key : List.of("OSRELEASE", "PAGESIZE", "CRASHTIME", "KERNELOFFSET")) {
                assertTrue(lines.containsKey(key), "libkdumpfile lacks " + key);
            }
            assertEquals(lines.get("OSRELEASE"), info.osRelease().orElseThrow());
            assertEquals(Long.parseLong(lines.get("PAGESIZE")), info.pageSize().getAsLong());
            assertEquals(Long.parseLong(lines.get("CRASHTIME")), info.crashTime().getAsLong());
            assertEquals(Long.parseUnsignedLong(lines.get("KERNELOFFSET"), 16), info.kernelOffset().getAsLong());
            assertEquals(info.pageSize().getAsLong(), v.physicalMemory().pageSize());
        }
    }

    // ---- libkdumpfile: physical memory -----------------------------------------------------

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresCorpus
    @RequiresLibkdumpfile
    void sampledPhysicalPagesEqualLibkdumpfiles(Corpus.Dump dump, @TempDir Path tmp) throws Exception {
        try (ElfVmcore v = ElfVmcore.open(dump.vmcore())) {
            PhysicalMemory mem = v.physicalMemory();
            int ps = mem.pageSize();
            List<Long> pfns = samplePfns(v);
            assertTrue(pfns.size() >= SAMPLED_PFNS, "sampled " + pfns.size());
            Path list = tmp.resolve("pfns.txt");
            Files.write(list, pfns.stream().map(String::valueOf).toList());
            Path out = tmp.resolve("pages.txt");
            oracle(tmp, "pages", dump.vmcore().toString(), Integer.toString(ps), list.toString(), out.toString());
            List<String> answers = Files.readAllLines(out);
            assertEquals(pfns.size(), answers.size(), "one answer per pfn");

            String zeroHash = sha256(new byte[ps]);
            byte[] page = new byte[ps];
            int contentEqual = 0;
            int notRam = 0;
            int quirk = 0;
            for (String a : answers) {
                String[] w = a.split(" ");
                long pfn = Long.parseLong(w[0]);
                String theirs = w[1];
                boolean fileBit = w[2].equals("1");
                boolean memBit = w[3].equals("1");
                PageStatus st = mem.status(pfn);
                String at = "pfn 0x" + Long.toHexString(pfn) + " (" + st + ", libkdumpfile " + theirs + ")";
                assertFalse(theirs.startsWith("ERR:"), at);
                assertEquals(st == PageStatus.PRESENT, fileBit, "file.pagemap bit of " + at);
                assertEquals(st != PageStatus.NOT_RAM, memBit, "memory.pagemap bit of " + at);
                switch (st) {
                    case PRESENT -> {
                        mem.readPage(pfn, page, 0);
                        assertEquals(theirs, sha256(page), "content of " + at);
                        contentEqual++;
                    }
                    case NOT_RAM -> {
                        MemoryAccessException e = assertThrows(MemoryAccessException.class,
                                () -> mem.readPage(pfn, page, 0), at);
                        assertEquals(MemoryAccessException.Reason.NOT_RAM, e.reason());
                        notRam++;
                        if (!theirs.equals("NODATA")) {
                            // libkdumpfile 0.5.1 accepts a segment exactly one page away as "closest" and
                            // zero-fills: only the page right below a page-aligned segment start may read
                            assertEquals(zeroHash, theirs, at);
                            assertTrue(segmentStartsAt(v, (pfn + 1) * ps), "unexpected libkdumpfile data at " + at);
                            quirk++;
                        }
                    }
                    default -> fail("a complete corpus dump has no " + st + " pages: " + at);
                }
            }
            assertTrue(contentEqual >= SAMPLED_PFNS * 9 / 10, "compared " + contentEqual + " pages by content");
            assertNotEquals(0, notRam, "the sample includes holes");
            System.out.printf(Locale.ROOT, "%s: %d pfns sampled, %d pages equal by SHA-256, %d not RAM (%d zero-filled by "
                    + "libkdumpfile's off-by-one)%n", dump.name(), pfns.size(), contentEqual, notRam, quirk);
        }
    }

    private static boolean segmentStartsAt(ElfVmcore v, long paddr) {
        return v.elf().loads().stream().anyMatch(ph -> ph.paddr() == paddr && ph.memsz() > 0);
    }

    /**
     * A deterministic sample: the first and last pages of every PT_LOAD and the pages on either side
     * of its edges; pages spread evenly over all RAM in proportion to segment size; seeded random
     * pages over [0, endPfn + 64) to hit holes; topped up with random RAM pages to the target count.
     */
    static List<Long> samplePfns(ElfVmcore v) {
        PhysicalMemory mem = v.physicalMemory();
        int ps = mem.pageSize();
        TreeSet<Long> s = new TreeSet<>();
        List<long[]> segs = new ArrayList<>();
        for (ProgramHeader ph : v.elf().loads()) {
            if (ph.memsz() == 0) {
                continue;
            }
            long first = ph.paddr() / ps;
            long end = (ph.paddr() + ph.memsz() + ps - 1) / ps;
            segs.add(new long[] {first, end});
            for (long p : new long[] {first - 1, first, first + 1, end - 2, end - 1, end, end + 1}) {
                if (p >= 0) {
                    s.add(p);
                }
            }
        }
        long totalPages = segs.stream().mapToLong(x -> x[1] - x[0]).sum();
        int even = SAMPLED_PFNS * 6 / 10;
        for (long[] seg : segs) {
            long n = Math.max(2, even * (seg[1] - seg[0]) / totalPages);
            for (long i = 0; i < n; i++) {
                s.add(seg[0] + i * (seg[1] - seg[0]) / n);
            }
        }
        Random r = new Random(20261123L);
        for (int i = 0; i < SAMPLED_PFNS / 10; i++) {
            s.add(Math.floorMod(r.nextLong(), mem.endPfn() + 64));
        }
        while (s.size() < SAMPLED_PFNS + 200) {
            long[] seg = segs.get(r.nextInt(segs.size()));
            s.add(seg[0] + Math.floorMod(r.nextLong(), seg[1] - seg[0]));
        }
        return List.copyOf(s);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static String hex(String s) {
        return s.startsWith("0x") ? Long.toHexString(Long.parseUnsignedLong(s.substring(2), 16)) : Long.toHexString(Long.parseLong(s));
    }

    private static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static List<String> oracle(Path tmp, String... args) throws Exception {
        Path script = tmp.resolve("libkdumpfile_oracle.py");
        if (!Files.exists(script)) {
            try (InputStream in = CorpusElfTest.class.getResourceAsStream("libkdumpfile_oracle.py")) {
                Files.write(script, in.readAllBytes());
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Corpus.systemPython(), script.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, 300);
    }

    private static List<String> run(List<String> cmd, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] err;
        String out;
        try (InputStream stdout = p.getInputStream(); InputStream stderr = p.getErrorStream()) {
            // stderr is small (a traceback at most); drain stdout first, then stderr
            out = new String(stdout.readAllBytes(), StandardCharsets.ISO_8859_1);
            err = stderr.readAllBytes();
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " exited " + p.exitValue() + ": " + new String(err, StandardCharsets.ISO_8859_1));
        }
        return out.lines().toList();
    }

}
