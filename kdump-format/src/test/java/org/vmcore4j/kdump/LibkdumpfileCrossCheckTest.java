package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * libkdumpfile (Debian's python3-libkdumpfile) reads the same makedumpfile outputs: its page
 * bytes (KPHYSADDR) equal ours for a sample of PFNs of every status, its file and memory pagemaps
 * agree with our status of every PFN, and what it reports as no data we report as excluded or not RAM.
 */
@RequiresCorpus
@RequiresMakedumpfile
@RequiresLibkdumpfile
class LibkdumpfileCrossCheckTest {
    static final int SAMPLE = 3000;

    static Stream<Arguments> outputs() {
        List<Arguments> out = new ArrayList<>();
        for (Corpus.Dump d : CorpusChecks.dumps()) {
            for (String opt : new String[] {"-c", "-l", "-p", "-z"}) {
                out.add(Arguments.of(d, "d31" + opt));
            }
            out.add(Arguments.of(d, "d0-z"));
            // not the flattened stream: Debian's libkdumpfile 0.5.1 predates its flattened reader
        }
        return out.stream();
    }

    static Path file(Corpus.Dump d, String name) throws IOException {
        int level = Integer.parseInt(name.substring(1, name.indexOf('-')));
        String opt = name.substring(name.indexOf('-'));
        return ReferenceOutputs.output(d, name, "-d", Integer.toString(level), opt);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("outputs")
    void agreesWithLibkdumpfile(Corpus.Dump d, String name) throws Exception {
        Path dumpFile = file(d, name);
        try (Vmcore v = Vmcore.open(dumpFile)) {
            PhysicalMemory mem = v.physicalMemory();
            long end = mem.endPfn();
            // a deterministic sample spread over the whole PFN range, so every status is hit
            List<Long> pfns = new ArrayList<>();
            long step = Math.max(1, end / SAMPLE);
            for (long p = 0; p < end; p += step) {
                pfns.add(p + (p * 31 / step) % step);
            }
            Path list = Files.createTempFile("pfns", ".txt");
            List<String> lines;
            try {
                Files.write(list, pfns.stream().map(String::valueOf).toList());
                lines = runProbe(dumpFile, list);
            } finally {
                Files.deleteIfExists(list);
            }
            assertTrue(lines.get(0).startsWith("max_pfn "), lines.get(0));
            assertEquals(end, Long.parseLong(lines.get(0).substring(8)), "max_pfn");
            byte[] filemap = HexFormat.of().parseHex(lines.get(1).substring("file ".length()));
            byte[] memmap = HexFormat.of().parseHex(lines.get(2).substring("memory ".length()));
            for (long pfn = 0; pfn < end; pfn++) {
                boolean inFile = (filemap[(int) (pfn >>> 3)] >> (pfn & 7) & 1) != 0;
                boolean inMem = (memmap[(int) (pfn >>> 3)] >> (pfn & 7) & 1) != 0;
                PageStatus s = mem.status(pfn);
                if (inFile != (s == PageStatus.PRESENT) || inMem != (s != PageStatus.NOT_RAM)) {
                    throw new AssertionError("PFN " + pfn + ": libkdumpfile file.pagemap " + inFile
                            + ", memory.pagemap " + inMem + "; ours " + s);
                }
            }
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] page = new byte[mem.pageSize()];
            int ok = 0;
            int nodata = 0;
            for (String line : lines.subList(3, lines.size())) {
                String[] f = line.split(" ", 3);
                long pfn = Long.parseLong(f[0]);
                switch (f[1]) {
                    case "ok" -> {
                        mem.readPage(pfn, page, 0);
                        assertEquals(f[2], hex(sha1, page), "bytes of PFN " + pfn);
                        ok++;
                    }
                    case "nodata" -> {
                        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> mem.readPage(pfn, page, 0));
                        assertTrue(e.reason() == MemoryAccessException.Reason.EXCLUDED
                                || e.reason() == MemoryAccessException.Reason.NOT_RAM, e.toString());
                        nodata++;
                    }
                    default -> throw new AssertionError("libkdumpfile failed on PFN " + pfn + ": " + line);
                }
            }
            assertEquals(pfns.size(), ok + nodata);
            assertTrue(ok > 0);
            System.out.printf(Locale.ROOT, "%s %s: libkdumpfile agrees on %d pagemap bits, %d pages equal, %d no-data%n", d, name,
                    end, ok, nodata);
        }
    }

    private static String hex(MessageDigest md, byte[] b) {
        return HexFormat.of().formatHex(md.digest(b));
    }

    private static List<String> runProbe(Path dump, Path pfnList) throws IOException, InterruptedException {
        Path script = Files.createTempFile("kdumpfile_probe", ".py");
        try (InputStream in = LibkdumpfileCrossCheckTest.class.getResourceAsStream("kdumpfile_probe.py")) {
            Files.write(script, in.readAllBytes());
            Process p = new ProcessBuilder(Corpus.systemPython(), script.toString(), dump.toString(), pfnList.toString())
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("kdumpfile_probe.py failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8).lines().toList();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
