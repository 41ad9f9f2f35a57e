package org.vmcore4j.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.ForwardingDumpSink;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.filter.PageFilter;

/**
 * Nothing lost: a kdump collection into an output that fills up at byte N, for many N, leaves a
 * file that opens with INCOMPLETE set and every page it claims to hold correct; the input is never
 * changed. The full disk is modelled the way a file system behaves: once space runs out, a write
 * succeeds only where it overwrites bytes already written (allocated blocks), so the writer's
 * clean-up must live with that; and also tried on a real, tiny tmpfs.
 */
@RequiresCorpus
class WriteFailureTest {
    private static final List<String> SUMMARY = Collections.synchronizedList(new ArrayList<>());
    private static Corpus.Dump dump;
    private static String inputDigest;
    private static long fullSize;

    @BeforeAll
    static void digestInput() throws Exception {
        dump = Corpus.x86_64Dumps().get(0);
        inputDigest = sha256(dump.vmcore());
    }

    @AfterAll
    static void inputUnchanged() throws Exception {
        assertEquals(inputDigest, sha256(dump.vmcore()), "the input vmcore changed");
        SUMMARY.add("input SHA-256 unchanged: " + inputDigest.substring(0, 16) + "...");
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "write-failure.txt"), SUMMARY);
        SUMMARY.forEach(System.out::println);
    }

    @Test
    void fullDiskAtManyOffsetsLeavesAReadableIncompleteDump() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "write-failure"));
        Path full = dir.resolve("full");
        long needed;
        try (Vmcore v = Vmcore.open(dump.vmcore()); FullDisk s = new FullDisk(DumpSink.toFile(full), Long.MAX_VALUE)) {
            KdumpCollector.write(v, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZSTD), s,
                    CollectorListener.NONE);
            needed = s.used; // bytes the file really occupies (headers leave holes)
        }
        fullSize = Files.size(full);
        Files.delete(full);
        List<Long> points = new ArrayList<>();
        for (long n : new long[] {0, 100, 464, 4096, 4200, 8192, 20_000, 70_000, 100_000}) {
            points.add(n);
        }
        for (int i = 1; i <= 24; i++) {
            points.add(needed * i / 25 + i * 7919L);
        }
        points.add(needed - 1);
        int opened = 0;
        long totalPages = 0;
        try (Vmcore source = Vmcore.open(dump.vmcore())) {
            for (long n : points) {
                Path out = dir.resolve("fail-at-" + n);
                IncompleteDumpException e;
                try (FullDisk sink = new FullDisk(DumpSink.toFile(out), n)) {
                    e = assertThrows(IncompleteDumpException.class, () -> KdumpCollector.write(source,
                            PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZSTD).withWorkers(2), sink,
                            CollectorListener.NONE), "fail at " + n);
                }
                assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
                long present;
                try (KdumpVmcore k = KdumpVmcore.open(out)) {
                    assertTrue(k.incomplete(), "INCOMPLETE flag at " + n);
                    present = checkPresentPages(k, source);
                    opened++;
                } catch (VmcoreFormatException unreadable) {
                    // only a failure inside the headers and bitmaps may leave nothing to read
                    assertTrue(n < 140_000, "fail at " + n + " left an unreadable file: " + unreadable.getMessage());
                    present = 0;
                }
                assertTrue(present <= e.pagesWritten() + 1, "fail at " + n + ": " + present + " pages read, "
                        + e.pagesWritten() + " reported");
                totalPages += present;
                Files.delete(out);
            }
        }
        assertTrue(opened >= points.size() - 8, opened + " of " + points.size() + " opened");
        SUMMARY.add(String.format(Locale.ROOT, "%s -z -d 31 (%,d bytes complete) failing at %d offsets: %d files open "
                + "INCOMPLETE, %,d written pages read back equal to the vmcore, none wrong", dump.name(), fullSize,
                points.size(), opened, totalPages));
    }

    /**
     * An I/O error (not a full disk) at each write of a run, so every phase is hit: header,
     * sub-header, notes, bitmaps, descriptors, page data, and the final header update. Twice: the
     * device gone for good (every later write fails too), and a single failed write.
     */
    @Test
    void ioErrorAtEveryWriteLeavesAReadableIncompleteDump() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "write-failure"));
        int writes;
        try (Vmcore v = Vmcore.open(dump.vmcore());
                FailingSink s = new FailingSink(DumpSink.toFile(dir.resolve("count")), Integer.MAX_VALUE, false)) {
            KdumpCollector.write(v, PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.SNAPPY), s,
                    CollectorListener.NONE);
            writes = s.calls;
        }
        Files.delete(dir.resolve("count"));
        int runs = 0;
        int opened = 0;
        int refused = 0;
        List<String> refusals = new ArrayList<>();
        long pagesRead = 0;
        try (Vmcore source = Vmcore.open(dump.vmcore())) {
            // every write of the opening phases (headers, notes, bitmaps, first flushes), the last ones
            // (final flushes, the header update), and a spread of page-data writes in between
            java.util.TreeSet<Integer> points = new java.util.TreeSet<>();
            for (int k = 1; k <= Math.min(writes, 8); k++) {
                points.add(k);
            }
            for (int k = Math.max(1, writes - 2); k <= writes; k++) {
                points.add(k);
            }
            for (int k = 1; k <= writes; k += Math.max(1, writes / 8)) {
                points.add(k);
            }
            for (boolean deviceGone : new boolean[] {true, false}) {
                for (int k : points) {
                    Path out = dir.resolve("eio-" + deviceGone + "-" + k);
                    IncompleteDumpException e;
                    int at = k;
                    try (FailingSink sink = new FailingSink(DumpSink.toFile(out), k, deviceGone)) {
                        e = assertThrows(IncompleteDumpException.class, () -> KdumpCollector.write(source,
                                PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.SNAPPY), sink,
                                CollectorListener.NONE), "I/O error at write " + at + " of " + writes);
                    }
                    assertTrue(e.getMessage().contains("Input/output error") && e.getMessage().contains(" of "),
                            e.getMessage());
                    runs++;
                    try (KdumpVmcore k2 = KdumpVmcore.open(out)) {
                        assertTrue(k2.incomplete(), "INCOMPLETE after an I/O error at write " + k);
                        pagesRead += checkPresentPages(k2, source);
                        opened++;
                    } catch (VmcoreFormatException unreadable) {
                        refused++; // the header or the bitmaps never reached the file
                        refusals.add((deviceGone ? "gone" : "once") + "@" + k + ": " + unreadable.getMessage());
                    }
                    Files.delete(out);
                }
            }
        }
        refusals.forEach(System.out::println);
        assertTrue(opened > runs / 2, opened + " of " + runs + " opened");
        SUMMARY.add(String.format(Locale.ROOT, "%s -p -d 31: an I/O error at each of the %d writes of a run (device gone, and a "
                + "single failed write): %d runs, %d files open INCOMPLETE with %,d pages read back equal, %d refused "
                + "cleanly (header or bitmaps missing), none misread", dump.name(), writes, runs, opened, pagesRead,
                refused));
    }

    /**
     * The ELF writer ({@code -E}) under the same faults: an I/O error at writes spread over a run
     * (file header, program headers, notes, segment data, the final header), device gone or a single
     * failed write. The result has e_flags' incomplete bit and every page it holds correct, or it is
     * refused; never misread.
     */
    @Test
    void elfWriterIoErrorsLeaveAFlaggedReadableDump() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "write-failure"));
        int writes;
        try (Vmcore v = Vmcore.open(dump.vmcore());
                FailingSink s = new FailingSink(DumpSink.toFile(dir.resolve("elf-count")), Integer.MAX_VALUE, false)) {
            ElfCollector.write(v, PageFilter.forLevel(31), s, CollectorListener.NONE);
            writes = s.calls;
        }
        Files.delete(dir.resolve("elf-count"));
        java.util.TreeSet<Integer> points = new java.util.TreeSet<>();
        for (int k = 1; k <= Math.min(writes, 5); k++) {
            points.add(k);
        }
        for (int k = Math.max(1, writes - 2); k <= writes; k++) {
            points.add(k);
        }
        for (int k = 1; k <= writes; k += Math.max(1, writes / 6)) {
            points.add(k);
        }
        int runs = 0;
        int opened = 0;
        long pagesRead = 0;
        try (Vmcore source = Vmcore.open(dump.vmcore())) {
            for (boolean deviceGone : new boolean[] {true, false}) {
                for (int k : points) {
                    Path out = dir.resolve("elf-eio-" + deviceGone + "-" + k);
                    IOException e;
                    try (FailingSink sink = new FailingSink(DumpSink.toFile(out), k, deviceGone)) {
                        e = assertThrows(IOException.class, () -> ElfCollector.write(source, PageFilter.forLevel(31),
                                sink, CollectorListener.NONE));
                    }
                    assertTrue(String.valueOf(e.getMessage()).contains("Input/output error")
                            || String.valueOf(e.getCause()).contains("Input/output error"), String.valueOf(e));
                    runs++;
                    try (Vmcore elf = Vmcore.open(out)) {
                        assertEquals(1, ((org.vmcore4j.elf.ElfVmcore) elf).elf().flags() & 1,
                                "e_flags incomplete bit after an I/O error at write " + k);
                        PhysicalMemory w = elf.physicalMemory();
                        byte[] a = new byte[w.pageSize()];
                        byte[] b = new byte[w.pageSize()];
                        for (long pfn = 0; pfn < w.endPfn(); pfn++) {
                            if (w.status(pfn) == PageStatus.PRESENT) {
                                w.readPage(pfn, a, 0);
                                source.physicalMemory().readPage(pfn, b, 0);
                                if (!java.util.Arrays.equals(a, b)) {
                                    throw new AssertionError("PFN " + pfn + " misread from " + out);
                                }
                                pagesRead++;
                            }
                        }
                        opened++;
                    } catch (VmcoreFormatException refused) {
                        // headers or notes never reached the file
                    }
                    Files.delete(out);
                }
            }
        }
        assertTrue(opened > runs / 2, opened + " of " + runs + " opened");
        SUMMARY.add(String.format(Locale.ROOT, "%s -E -d 31: an I/O error at %d of the %d writes (device gone / single): %d runs, "
                + "%d files open with the incomplete e_flags bit and %,d pages read back equal, %d refused, none misread",
                dump.name(), points.size(), writes, runs, opened, pagesRead, runs - opened));
    }

    /** Fails write number {@code failAt} (from 1) with EIO; with {@code deviceGone} every later write too. */
    static final class FailingSink extends ForwardingDumpSink {
        private final int failAt;
        private final boolean deviceGone;
        int calls;

        FailingSink(DumpSink target, int failAt, boolean deviceGone) {
            super(target);
            this.failAt = failAt;
            this.deviceGone = deviceGone;
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            calls++;
            if (calls == failAt || (deviceGone && calls > failAt)) {
                throw new IOException("Input/output error");
            }
            target.write(offset, src);
        }

        @Override
        public boolean canRewrite() {
            return true;
        }
    }

    /** Every PRESENT page equals the source; a page is PRESENT, LOST or EXCLUDED, never silently wrong. */
    static long checkPresentPages(KdumpVmcore k, Vmcore source) throws IOException {
        PhysicalMemory w = k.physicalMemory();
        PhysicalMemory s = source.physicalMemory();
        byte[] a = new byte[w.pageSize()];
        byte[] b = new byte[w.pageSize()];
        long present = 0;
        for (long pfn = 0; pfn < w.endPfn(); pfn++) {
            if (w.status(pfn) == PageStatus.PRESENT) {
                w.readPage(pfn, a, 0);
                s.readPage(pfn, b, 0);
                if (!java.util.Arrays.equals(a, b)) {
                    throw new AssertionError("PFN " + pfn + " reads back wrong from " + k.description());
                }
                present++;
            }
        }
        return present;
    }

    @Test
    void realTmpfsFillsUp() throws Exception {
        // outside target/, so that a mount left behind by a killed run never blocks `mvn clean`
        Path mnt = Files.createTempDirectory("vmcore4j-tmpfs-");
        if (!run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt.toString())) {
            Files.deleteIfExists(mnt);
            Prerequisites.assumePresent(false,
                    "cannot mount a tmpfs to fill up (mount -t tmpfs needs root; CI runs as root)");
        }
        try (Vmcore source = Vmcore.open(dump.vmcore())) {
            Path out = mnt.resolve("dump");
            IncompleteDumpException e;
            try (DumpSink sink = DumpSink.toFile(out)) {
                e = assertThrows(IncompleteDumpException.class, () -> KdumpCollector.write(source,
                        PageFilter.forLevel(31), KdumpCollector.Options.of(Compression.ZLIB), sink,
                        CollectorListener.NONE));
            }
            long present;
            // read back from a copy on disk: paging in a hole of a sparse file on a full tmpfs needs a free
            // page, so mapped reads of the file in place can fault (SIGBUS)
            Path copy = Files.copy(out, Path.of("target", "tmpfs-dump-copy"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (KdumpVmcore k = KdumpVmcore.open(copy)) {
                assertTrue(k.incomplete());
                present = checkPresentPages(k, source);
            }
            assertTrue(present > 1000, present + " pages");
            assertEquals(e.pagesWritten(), present, "pages reported written");
            Files.delete(copy);
            SUMMARY.add(String.format(Locale.ROOT, "%s -c -d 31 into an 8 MiB tmpfs: %s; file opens INCOMPLETE, %,d pages read "
                    + "back equal", dump.name(), e.getMessage().replaceAll("\\s+", " "), present));
        } finally {
            run("umount", "-l", mnt.toString());
            Files.deleteIfExists(mnt);
        }
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * A file that runs out of space after {@code capacity} new bytes: from then on a write succeeds
     * only where every byte it touches was written before (as a file system overwrites allocated
     * blocks), otherwise it writes what fits and throws "No space left on device".
     */
    static final class FullDisk extends ForwardingDumpSink {
        private final long capacity;
        private final TreeMap<Long, Long> written = new TreeMap<>(); // start -> end, disjoint
        long used;

        FullDisk(DumpSink target, long capacity) {
            super(target);
            this.capacity = capacity;
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            long end = offset + src.remaining();
            long fresh = (end - offset) - overlap(offset, end);
            if (used + fresh <= capacity) {
                target.write(offset, src);
                add(offset, end);
                used += fresh;
                return;
            }
            // write the longest prefix that fits
            long lo = offset;
            long hi = end;
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (used + (mid - offset) - overlap(offset, mid) <= capacity) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if (lo > offset) {
                ByteBuffer head = src.slice().limit((int) (lo - offset));
                target.write(offset, head);
                used += (lo - offset) - overlap(offset, lo);
                add(offset, lo);
            }
            throw new IOException("No space left on device");
        }

        private long overlap(long from, long to) {
            long sum = 0;
            Map.Entry<Long, Long> e = written.floorEntry(from);
            Long key = e != null && e.getValue() > from ? e.getKey() : written.ceilingKey(from);
            while (key != null && key < to) {
                long s = Math.max(key, from);
                long t = Math.min(written.get(key), to);
                if (t > s) {
                    sum += t - s;
                }
                key = written.higherKey(key);
            }
            return sum;
        }

        private void add(long from, long to) {
            Map.Entry<Long, Long> e = written.floorEntry(from);
            if (e != null && e.getValue() >= from) {
                from = e.getKey();
                to = Math.max(to, e.getValue());
                written.remove(e.getKey());
            }
            Long k = written.ceilingKey(from);
            while (k != null && k <= to) {
                to = Math.max(to, written.remove(k));
                k = written.ceilingKey(from);
            }
            written.put(from, to);
        }

        @Override
        public boolean canRewrite() {
            return true;
        }
    }
}
