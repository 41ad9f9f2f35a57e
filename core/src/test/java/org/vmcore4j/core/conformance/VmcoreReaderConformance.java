package org.vmcore4j.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;

/**
 * The contract of a {@link Vmcore} reader, as netty's {@code AbstractByteBufTest} states a ByteBuf's:
 * each format's test class extends this one and writes one small machine in its format (from the
 * format's layout, not with vmcore4j's writers), saying what every frame must read as; the tests here
 * then hold for every reader alike: header facts, every frame's status and bytes, reads across page
 * edges, refusals (frames not present, past the end, array bounds), status runs, many threads at
 * once, close, and files cut short anywhere (refused, never wrong bytes).
 *
 * <p>Opened through public API only ({@link Vmcore#open(Path)} unless a subclass needs more files).
 */
public abstract class VmcoreReaderConformance {
    @TempDir
    protected Path dir;

    /**
     * A dump written by a subclass and what it must read as.
     *
     * @param files      the file (or the files of a split set) to open
     * @param formatName what {@link Vmcore#formatName()} must say
     * @param statuses   every frame's status, index = PFN; the length is {@link PhysicalMemory#endPfn()}
     * @param pages      the bytes of every PRESENT frame (null elsewhere)
     * @param cpus       how many NT_PRSTATUS notes the dump holds
     * @param osRelease  OSRELEASE of its VMCOREINFO, if it has one
     */
    public record Fixture(List<Path> files, String formatName, int pageSize, PageStatus[] statuses, byte[][] pages,
            int cpus, Optional<String> osRelease) {
        long endPfn() {
            return statuses.length;
        }
    }

    /** Writes the subclass's machine under {@code dir}. */
    protected abstract Fixture write(Path dir) throws IOException;

    /** Opens the written files; a split set overrides this. */
    protected Vmcore open(List<Path> files) throws IOException {
        return Vmcore.open(files.get(0));
    }

    private Fixture fixture;

    private Fixture fixture() throws IOException {
        if (fixture == null) {
            fixture = write(Files.createDirectories(dir.resolve("written")));
            long present = Arrays.stream(fixture.statuses()).filter(s -> s == PageStatus.PRESENT).count();
            assertTrue(present >= 8, "a fixture needs present frames to read: " + present);
        }
        return fixture;
    }

    @Test
    void headerFacts() throws IOException {
        Fixture f = fixture();
        try (Vmcore v = open(f.files())) {
            assertEquals(f.formatName(), v.formatName());
            assertTrue(v.description() != null && !v.description().isBlank());
            assertEquals(f.pageSize(), v.physicalMemory().pageSize());
            assertEquals(f.endPfn(), v.physicalMemory().endPfn());
            assertEquals(f.cpus(), v.cpus().size());
            assertEquals(f.osRelease(), v.vmcoreInfo().flatMap(i -> i.osRelease()));
            long ram = Arrays.stream(f.statuses()).filter(s -> s != PageStatus.NOT_RAM).count();
            assertEquals(ram * f.pageSize(), v.physicalMemory().totalBytes(), "RAM the ranges describe");
        }
    }

    @Test
    void everyFrameHasItsStatusAndBytes() throws IOException {
        Fixture f = fixture();
        try (Vmcore v = open(f.files())) {
            PhysicalMemory m = v.physicalMemory();
            byte[] page = new byte[f.pageSize() + 2];
            for (int pfn = 0; pfn < f.endPfn(); pfn++) {
                PageStatus expected = f.statuses()[pfn];
                assertEquals(expected, m.status(pfn), "PFN " + pfn);
                if (expected == PageStatus.PRESENT) {
                    m.readPage(pfn, page, 1);
                    assertArrayEquals(f.pages()[pfn], Arrays.copyOfRange(page, 1, 1 + f.pageSize()), "PFN " + pfn);
                } else {
                    long at = (long) pfn * f.pageSize();
                    MemoryAccessException e = assertThrows(MemoryAccessException.class,
                            () -> m.read(at, page, 0, f.pageSize()), "PFN " + pfn + " is " + expected);
                    assertNotEquals(null, e.getMessage());
                }
            }
            assertEquals(PageStatus.NOT_RAM, m.status(f.endPfn()), "past the last frame");
        }
    }

    @Test
    void readsAcrossPageEdges() throws IOException {
        Fixture f = fixture();
        int ps = f.pageSize();
        try (Vmcore v = open(f.files())) {
            PhysicalMemory m = v.physicalMemory();
            int runs = 0;
            for (int pfn = 0; pfn + 1 < f.endPfn(); pfn++) {
                if (f.statuses()[pfn] == PageStatus.PRESENT && f.statuses()[pfn + 1] == PageStatus.PRESENT) {
                    byte[] both = new byte[2 * ps];
                    System.arraycopy(f.pages()[pfn], 0, both, 0, ps);
                    System.arraycopy(f.pages()[pfn + 1], 0, both, ps, ps);
                    for (int[] r : new int[][] {{ps - 1, 2}, {ps - 7, 15}, {1, 2 * ps - 2}, {0, 2 * ps}, {ps, 0}, {3, 1}}) {
                        byte[] got = new byte[r[1]];
                        m.read((long) pfn * ps + r[0], got, 0, r[1]);
                        assertArrayEquals(Arrays.copyOfRange(both, r[0], r[0] + r[1]), got,
                                "PFN " + pfn + " +" + r[0] + ", " + r[1] + " bytes");
                    }
                    runs++;
                }
            }
            assertTrue(runs > 0, "the fixture has two present frames in a row");
        }
    }

    @Test
    void refusesWhatItDoesNotHold() throws IOException {
        Fixture f = fixture();
        int ps = f.pageSize();
        try (Vmcore v = open(f.files())) {
            PhysicalMemory m = v.physicalMemory();
            byte[] page = new byte[ps];
            assertThrows(MemoryAccessException.class, () -> m.read(f.endPfn() * ps, page, 0, ps), "past the end");
            assertThrows(MemoryAccessException.class, () -> m.read(f.endPfn() * ps - 1, new byte[2], 0, 2),
                    "across the end");
            assertThrows(MemoryAccessException.class, () -> m.read(Long.MAX_VALUE - 1, new byte[2], 0, 2),
                    "at an address whose end overflows");
            assertThrows(IOException.class, () -> m.read(-ps, page, 0, ps), "at a negative address");
            int present = firstPresent(f);
            long at = (long) present * ps;
            assertThrows(IndexOutOfBoundsException.class, () -> m.read(at, page, 1, ps), "more than the array holds");
            assertThrows(IndexOutOfBoundsException.class, () -> m.read(at, page, 0, -1), "a negative length");
            assertThrows(IndexOutOfBoundsException.class, () -> m.read(at, page, 0, Integer.MAX_VALUE),
                    "a hostile length");
            for (long pfn : new long[] {-1, f.endPfn(), Long.MAX_VALUE / ps, Long.MAX_VALUE}) {
                assertEquals(PageStatus.NOT_RAM, m.status(pfn), "status of PFN " + pfn);
            }
        }
    }

    @Test
    void statusRunsAgreeWithStatuses() throws IOException {
        Fixture f = fixture();
        try (Vmcore v = open(f.files())) {
            PhysicalMemory m = v.physicalMemory();
            for (long pfn = 0; pfn < f.endPfn(); ) {
                long end = m.statusRunEnd(pfn);
                assertTrue(end > pfn, "a run of PFN " + pfn + " holds it");
                for (long p = pfn; p < Math.min(end, f.endPfn()); p++) {
                    assertEquals(f.statuses()[(int) pfn], f.statuses()[(int) p],
                            "run [" + pfn + ", " + end + ") holds frames of another status at " + p);
                }
                pfn = end;
            }
        }
    }

    @Test
    void manyThreadsReadAtOnce() throws Exception {
        Fixture f = fixture();
        List<Integer> present = new ArrayList<>();
        for (int pfn = 0; pfn < f.endPfn(); pfn++) {
            if (f.statuses()[pfn] == PageStatus.PRESENT) {
                present.add(pfn);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Vmcore v = open(f.files())) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    byte[] page = new byte[f.pageSize()];
                    for (int i = 0; i < 500; i++) {
                        int pfn = present.get(r.nextInt(present.size()));
                        v.physicalMemory().readPage(pfn, page, 0);
                        assertArrayEquals(f.pages()[pfn], page, "PFN " + pfn);
                    }
                    return 500;
                }));
            }
            for (Future<Integer> d : done) {
                assertEquals(500, d.get(2, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeTwiceThenReadsAreRefused() throws IOException {
        Fixture f = fixture();
        Vmcore v = open(f.files());
        PhysicalMemory m = v.physicalMemory();
        byte[] page = new byte[f.pageSize()];
        int pfn = firstPresent(f);
        m.readPage(pfn, page, 0);
        v.close();
        v.close();
        Exception e = assertThrows(Exception.class, () -> m.readPage(pfn, page, 0));
        assertTrue(e instanceof IOException || e instanceof IllegalStateException,
                () -> "a closed dump refuses reads with an IOException or IllegalStateException, not " + e);
    }

    /** A copy whose last file is cut short anywhere: refused on open, or each page reads right or is refused. */
    @Test
    void filesCutShortNeverReadWrong() throws IOException {
        Fixture f = fixture();
        Path last = f.files().get(f.files().size() - 1);
        long size = Files.size(last);
        int opened = 0;
        for (long cut : new long[] {0, 1, 64, 512, size / 4, size / 2, size - 4096, size - 1}) {
            if (cut < 0 || cut >= size) {
                continue;
            }
            Path cutDir = Files.createDirectories(dir.resolve("cut-" + cut));
            List<Path> copies = new ArrayList<>();
            for (Path p : f.files()) {
                copies.add(Files.copy(p, cutDir.resolve(p.getFileName())));
            }
            try (FileChannel ch = FileChannel.open(copies.get(copies.size() - 1), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            Vmcore v;
            try {
                v = open(copies);
            } catch (IOException refused) {
                continue;
            }
            opened++;
            try (v) {
                PhysicalMemory m = v.physicalMemory();
                byte[] page = new byte[f.pageSize()];
                for (int pfn = 0; pfn < Math.min(f.endPfn(), m.endPfn()); pfn++) {
                    PageStatus s = m.status(pfn);
                    if (s == PageStatus.PRESENT && f.statuses()[pfn] == PageStatus.PRESENT) {
                        try {
                            m.readPage(pfn, page, 0);
                        } catch (IOException refused) {
                            continue;
                        }
                        assertArrayEquals(f.pages()[pfn], page, "PFN " + pfn + " of a copy cut at " + cut);
                    }
                }
            }
        }
        System.out.printf(java.util.Locale.ROOT, "%s: %d of the cut copies opened (the rest refused), none read wrong%n",
                getClass().getSimpleName(), opened);
    }

    private static int firstPresent(Fixture f) {
        for (int pfn = 0; pfn < f.endPfn(); pfn++) {
            if (f.statuses()[pfn] == PageStatus.PRESENT) {
                return pfn;
            }
        }
        throw new AssertionError("no present frame");
    }
}
