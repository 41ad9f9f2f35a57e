package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.elf.ElfVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.filter.CorpusSupport;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.PfnBitmap;
import org.vmcore4j.filter.ReferenceRun;
import org.vmcore4j.filter.ZeroPageHandling;

/**
 * {@link ElfCollector} against {@code makedumpfile -E} 1.7.9 on the real-dump corpus: the same file
 * byte for byte at -d 0, 1 and 31, the same report; the output read back (ours and libkdumpfile)
 * holds every dumpable page; a size limit leaves a readable file flagged incomplete.
 *
 * <p>makedumpfile's outputs are cached under {@code target/makedumpfile-ref-elf/} (keyed by the
 * inputs' sizes and times). Our outputs are compared while they are written, by a sink that checks
 * each positional write against the reference file and that the writes cover it exactly, so the
 * hundreds of megabytes are not written twice; one case (-d 31) goes through a real file, compared
 * by streaming ({@link Files#mismatch}), read back, then deleted.
 */
@RequiresCorpus
@RequiresMakedumpfile
class ElfCollectorCorpusTest {
    static final Path CACHE = Path.of("target", "makedumpfile-ref-elf");

    @TestFactory
    Stream<DynamicTest> byteIdenticalToMakedumpfileE() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            for (int level : new int[] {0, 1, 31}) {
                tests.add(DynamicTest.dynamicTest(d.name() + " -E -d " + level, () -> {
                    CorpusSupport.assumeTranslation(d);
                    Reference ref = reference(d, level);
                    long t0 = System.nanoTime();
                    FilterReport r;
                    ComparingSink sink = new ComparingSink(ref.file());
                    try (Vmcore dump = Vmcore.open(d.vmcore()); sink) {
                        r = ElfCollector.write(dump, PageFilter.forLevel(level), sink, CollectorListener.NONE);
                        sink.verify();
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    String ctx = d.name() + " -E -d " + level;
                    assertEquals(-1, sink.firstMismatch, ctx + ": first differing byte at " + sink.firstMismatch);
                    assertEquals(Files.size(ref.file()), sink.coveredUpTo(), ctx + ": bytes written");
                    assertEquals(ref.reportBlock(), r.toMakedumpfileText().substring(1), "report, " + ctx);
                    System.out.printf(Locale.ROOT, "%-16s -E -d %2d: %,d bytes identical to makedumpfile, %d dumpable pages, "
                            + "ours %d ms (makedumpfile %d ms)%n", d.name(), level, Files.size(ref.file()),
                            r.dumpablePages(), ms, ref.millis());
                }));
            }
        }
        return tests.stream();
    }

    /** A real file at -d 31: identical by streaming compare, every dumpable page reads back equal, then deleted. */
    @Test
    @RequiresLibkdumpfile
    void fileReadsBackWithEveryDumpablePage() throws Exception {
        Corpus.Dump d = Corpus.x86_64Dumps().get(0);
        CorpusSupport.assumeTranslation(d);
        int level = 31;
        Reference ref = reference(d, level);
        Path out = Files.createTempFile(Path.of("target"), "elf-collector-", ".elf");
        try {
            try (Vmcore dump = Vmcore.open(d.vmcore()); DumpSink sink = DumpSink.toFile(out)) {
                ElfCollector.write(dump, PageFilter.forLevel(level), sink, CollectorListener.NONE);
            }
            assertEquals(-1, Files.mismatch(out, ref.file()), "byte-identical to makedumpfile -E -d 31");
            List<Long> sample = new ArrayList<>();
            long pages = comparePages(d.vmcore(), out, level, Long.MAX_VALUE, sample);
            assertTrue(pages > 1000, "dumpable pages compared: " + pages);
            libkdumpfileAgrees(d.vmcore(), out, sample);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Size limits: the file is flagged DUMP_ELF_INCOMPLETE and the pages that made it read back equal. */
    @Test
    void sizeLimitLeavesFlaggedReadableFile() throws Exception {
        Corpus.Dump d = Corpus.x86_64Dumps().get(0);
        CorpusSupport.assumeTranslation(d);
        int level = 31;
        Path out = Files.createTempFile(Path.of("target"), "elf-collector-limit-", ".elf");
        try {
            for (long limit : new long[] {3000, 40L << 20, 100_000_001L}) {
                IOException e;
                try (Vmcore dump = Vmcore.open(d.vmcore());
                        DumpSink sink = DumpSink.limitedTo(DumpSink.toFile(out), limit)) {
                    e = assertThrows(IOException.class,
                            () -> ElfCollector.write(dump, PageFilter.forLevel(level), sink, CollectorListener.NONE));
                }
                assertTrue(e.getMessage().contains("incomplete") && e.getMessage().contains("DUMP_ELF_INCOMPLETE"),
                        e.getMessage());
                assertEquals(limit, Files.size(out), "the file is filled up to the limit");
                try (FileChannel ch = FileChannel.open(out)) {
                    ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(h, 0);
                    assertEquals(1, h.getInt(48) & 1, "e_flags bit 0, limit " + limit);
                }
                if (limit < (1 << 20)) {
                    // cut inside the notes: flagged, but there is nothing to read back (the reader
                    // refuses a PT_NOTE that runs past the end of the file)
                    System.out.printf(Locale.ROOT, "-L %,d: %s%n", limit, e.getMessage());
                    continue;
                }
                long pages = comparePages(d.vmcore(), out, level, limit, null);
                System.out.printf(Locale.ROOT, "-L %,d: %s%n  %d dumpable pages read back equal%n", limit, e.getMessage(), pages);
                assertTrue(pages > 1000, "pages that made it: " + pages);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Compares every dumpable page of {@code vmcore} at {@code level} with {@code ours}, opened by
     * {@link Vmcore#open}; pages our file lost (beyond a size limit) are skipped, and there must be
     * none unless {@code limit} is finite. Collects a sample of compared addresses if asked.
     */
    static long comparePages(Path vmcore, Path ours, int level, long limit, List<Long> sample) throws IOException {
        long[] compared = {0, 0};
        try (Vmcore orig = Vmcore.open(vmcore); Vmcore out = Vmcore.open(ours)) {
            assertTrue(out instanceof ElfVmcore, "our output opens as ELF");
            PhysicalMemory a = orig.physicalMemory();
            PhysicalMemory b = out.physicalMemory();
            int ps = a.pageSize();
            byte[] x = new byte[ps];
            byte[] y = new byte[ps];
            PageFilter.forLevel(level).withZeroPages(ZeroPageHandling.ELF_REMOVE).scan(orig, c -> {
                PfnBitmap dumpable = c.dumpable();
                for (long pfn = dumpable.nextSetBit(c.startPfn()); pfn >= 0; pfn = dumpable.nextSetBit(pfn + 1)) {
                    if (b.status(pfn) != PageStatus.PRESENT) {
                        assertTrue(limit != Long.MAX_VALUE, "dumpable pfn 0x" + Long.toHexString(pfn)
                                + " missing from our output: " + b.status(pfn));
                        compared[1]++;
                        continue;
                    }
                    a.readPage(pfn, x, 0);
                    b.readPage(pfn, y, 0);
                    if (!Arrays.equals(x, y)) {
                        throw new AssertionError("page 0x" + Long.toHexString(pfn) + " differs");
                    }
                    if (sample != null && compared[0] % 97 == 0) {
                        sample.add(pfn * ps);
                    }
                    compared[0]++;
                }
            });
        }
        return compared[0];
    }

    /** python3-libkdumpfile reads {@code addrs} (one page each) from our file as our reader reads them from the vmcore. */
    static void libkdumpfileAgrees(Path vmcore, Path ours, List<Long> addrs) throws Exception {
        String script = String.join("\n",
                "import sys, hashlib, kdumpfile",
                "k = kdumpfile.kdumpfile(sys.argv[1])",
                "ps = int(sys.argv[2])",
                "for line in sys.stdin:",
                "    a = int(line)",
                "    print(hashlib.sha256(k.read(kdumpfile.KDUMP_MACHPHYSADDR, a, ps)).hexdigest())",
                "");
        List<String> expected = new ArrayList<>();
        int ps;
        try (Vmcore orig = Vmcore.open(vmcore)) {
            ps = orig.physicalMemory().pageSize();
            byte[] page = new byte[ps];
            for (long a : addrs) {
                orig.physicalMemory().read(a, page, 0, ps);
                expected.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(page)));
            }
        }
        Path py = Files.createTempFile(Path.of("target"), "kdf", ".py");
        try {
            Files.writeString(py, script);
            Process p = new ProcessBuilder(Corpus.systemPython(), py.toString(), ours.toString(), Integer.toString(ps))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            StringBuilder in = new StringBuilder();
            addrs.forEach(a -> in.append(a).append('\n'));
            try (var w = p.getOutputStream()) {
                w.write(in.toString().getBytes(StandardCharsets.US_ASCII));
            }
            String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            assertEquals(0, p.exitValue());
            assertEquals(expected, List.of(got.strip().split("\n")), "libkdumpfile reads our file");
            assertTrue(addrs.size() > 100, "pages sampled: " + addrs.size());
        } finally {
            Files.deleteIfExists(py);
        }
    }

    // ------------------------------------------------------------------ reference outputs

    record Reference(Path file, String stderr, long millis) {
        String reportBlock() {
            return new ReferenceRun(0, new byte[0], new byte[0], stderr, Map.of(), millis).reportBlock();
        }
    }

    /** {@code makedumpfile -E -d level --message-level 22 vmcore out}, cached. */
    static synchronized Reference reference(Corpus.Dump d, int level) throws IOException, InterruptedException {
        Path mdf = Corpus.requireMakedumpfile();
        Path vmcore = d.vmcore();
        List<String> args = List.of("-E", "-d", Integer.toString(level), "--message-level", "22");
        String key = "2|" + mdf.toAbsolutePath() + "|" + Files.size(mdf) + "|" + Files.getLastModifiedTime(mdf).toMillis()
                + "|" + vmcore.toAbsolutePath() + "|" + Files.size(vmcore) + "|"
                + Files.getLastModifiedTime(vmcore).toMillis() + "|" + String.join(" ", args);
        Path dir = CACHE.resolve(d.name() + "-d" + level);
        Path out = dir.resolve("dump.elf");
        Path keyFile = dir.resolve("key");
        if (Files.isRegularFile(keyFile) && Files.readString(keyFile).equals(key) && Files.isRegularFile(out)) {
            return new Reference(out, Files.readString(dir.resolve("stderr.txt"), StandardCharsets.ISO_8859_1),
                    Long.parseLong(Files.readString(dir.resolve("millis")).trim()));
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(keyFile);
        Path tmp = dir.resolve("dump.elf.tmp");
        Files.deleteIfExists(tmp);
        Path err = dir.resolve("stderr.txt"); // stdout and stderr: the report goes to stdout
        List<String> cmd = new ArrayList<>();
        cmd.add(mdf.toString());
        cmd.addAll(args);
        cmd.add(vmcore.toString());
        cmd.add(tmp.toString());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timeout: " + cmd);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String stderr = Files.readString(err, StandardCharsets.ISO_8859_1);
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ":\n" + stderr);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("millis"), Long.toString(ms));
        Files.writeString(keyFile, key); // last: marks the entry complete
        return new Reference(out, stderr, ms);
    }

    /**
     * A sink that writes nothing to disk: the first {@link #HEAD} bytes (headers and notes, which a
     * writer may rewrite) are kept in memory and compared at {@link #verify}; every write beyond them
     * is compared with the reference file at once. Records how far the writes cover the file
     * contiguously from 0.
     */
    static final class ComparingSink implements DumpSink {
        static final int HEAD = 1 << 20;
        private final FileChannel ref;
        private final long refSize;
        private final byte[] head = new byte[HEAD];
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        /** Written ranges not yet joined to the covered prefix (small: writes are nearly in order). */
        private final java.util.TreeMap<Long, Long> pending = new java.util.TreeMap<>();
        private long covered;
        private long written;
        long firstMismatch = -1;

        ComparingSink(Path reference) throws IOException {
            ref = FileChannel.open(reference, StandardOpenOption.READ);
            refSize = ref.size();
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            long at = offset;
            while (src.hasRemaining()) {
                if (at < HEAD) {
                    int n = (int) Math.min(src.remaining(), HEAD - at);
                    src.get(head, (int) at, n);
                    at += n;
                    continue;
                }
                int n = Math.min(src.remaining(), buf.capacity());
                buf.clear().limit(n);
                int got = 0;
                while (got < n) {
                    int r = ref.read(buf, at + got);
                    if (r < 0) {
                        break;
                    }
                    got += r;
                }
                ByteBuffer chunk = src.slice().limit(n);
                buf.flip();
                long m = buf.mismatch(chunk);
                if (m >= 0 && (firstMismatch < 0 || at + m < firstMismatch)) {
                    firstMismatch = at + m;
                }
                src.position(src.position() + n);
                at += n;
            }
            written += at - offset;
            pending.merge(offset, at, Math::max);
            while (!pending.isEmpty() && pending.firstKey() <= covered) {
                covered = Math.max(covered, pending.pollFirstEntry().getValue());
            }
        }

        /** Compares the kept head; after this, {@link #firstMismatch} covers the whole file. */
        void verify() throws IOException {
            int n = (int) Math.min(HEAD, Math.max(refSize, Math.min(covered, HEAD)));
            ByteBuffer r = ByteBuffer.allocate(n);
            while (r.hasRemaining() && ref.read(r, r.position()) >= 0) {
                // read all of it
            }
            r.flip();
            long m = r.mismatch(ByteBuffer.wrap(head, 0, (int) Math.min(n, covered)));
            if (m >= 0 && (firstMismatch < 0 || m < firstMismatch)) {
                firstMismatch = m;
            }
        }

        long coveredUpTo() {
            return pending.isEmpty() ? covered : -covered; // negative: a gap remains
        }

        @Override
        public boolean canRewrite() {
            return true;
        }

        @Override
        public long bytesWritten() {
            return written;
        }

        @Override
        public String description() {
            return "comparison with " + refSize + " reference bytes";
        }

        @Override
        public void close() throws IOException {
            ref.close();
        }
    }
}
