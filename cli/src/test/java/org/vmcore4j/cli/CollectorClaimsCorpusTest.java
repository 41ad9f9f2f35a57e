package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmcore4j.cli.CollectorHarness.makedumpfile;
import static org.vmcore4j.cli.CollectorHarness.ours;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmcore4j.cli.CollectorHarness.Result;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.Prerequisites;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Three claims of the README, each run as kdump runs the collector (a process, on a real dump):
 * outputs are created 0600; an input that shrinks while it is read loses only the pages past its new
 * end; a real full disk (ENOSPC on a tmpfs) ends the run with status 1, an INCOMPLETE file and a
 * message that says how many pages got out, as makedumpfile does.
 */
@RequiresCorpus
@RequiresMakedumpfile
class CollectorClaimsCorpusTest {
    private static final int PAGE = 4096;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        dir = CollectorHarness.workDir("claims");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        CollectorHarness.deleteTree(dir);
    }

    /** {@code cmd} under umask 022, so a file that comes out 0600 was made so by the program, not the umask. */
    private static List<String> withUmask022(List<String> cmd) {
        List<String> sh = new ArrayList<>(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh"));
        sh.addAll(cmd);
        return sh;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void everyOutputIsCreatedReadableByItsOwnerOnly() throws Exception {
        String vmcore = Corpus.x86_64Dumps().get(0).vmcore().toString();
        Path kdump = dir.resolve("o.kdump");
        Path elf = dir.resolve("o.elf");
        Path split1 = dir.resolve("o.split1");
        Path split2 = dir.resolve("o.split2");
        Path flat = dir.resolve("o.flat");
        Path rearranged = dir.resolve("o.R");
        Path theirs = dir.resolve("m.kdump");
        CollectorHarness.ok(withUmask022(ours("-l", "-d", "31", vmcore, kdump.toString())), dir);
        CollectorHarness.ok(withUmask022(ours("-E", "-d", "31", vmcore, elf.toString())), dir);
        CollectorHarness.ok(withUmask022(ours("--split", "-l", "-d", "31", vmcore, split1.toString(),
                split2.toString())), dir);
        Result f = CollectorHarness.run(withUmask022(ours("-F", "-l", "-d", "31", vmcore)), dir, null, flat);
        assertEquals(0, f.status(), f::toString);
        Result r = CollectorHarness.run(withUmask022(ours("-R", rearranged.toString())), dir, flat, null);
        assertEquals(0, r.status(), r::toString);
        CollectorHarness.ok(withUmask022(makedumpfile("-l", "-d", "31", vmcore, theirs.toString())), dir);
        assertEquals("rw-------", mode(theirs), "makedumpfile's own output, the mode we follow");
        for (Path p : List.of(kdump, elf, split1, split2, rearranged)) {
            assertEquals("rw-------", mode(p), p.getFileName() + " (umask 022)");
        }
        // each is a real dump, not an empty file with the right mode
        try (Vmcore k = Vmcore.open(kdump); Vmcore e = Vmcore.open(elf); Vmcore rr = Vmcore.open(rearranged)) {
            assertTrue(k.physicalMemory().endPfn() > 0 && e.physicalMemory().endPfn() > 0
                    && rr.physicalMemory().endPfn() > 0);
        }
        System.out.printf(Locale.ROOT, "umask 022: kdump, -E, --split (2 files), -R all rw------- as makedumpfile's%n");
        for (Path p : List.of(kdump, elf, split1, split2, flat, rearranged, theirs)) {
            Files.delete(p);
        }
    }

    /**
     * A copy of the vmcore is cut to 60 % of its size while the collector copies its pages: the pages
     * past the new end are reported and left out, the run completes (status 0), and every other page
     * is as in a run on the whole file, status and bytes.
     */
    @Test
    void inputThatShrinksWhileReadLosesOnlyThePagesPastItsNewEnd() throws Exception {
        Path vmcore = Corpus.x86_64Dumps().get(0).vmcore();
        Path whole = dir.resolve("whole.z");
        Path shrunk = dir.resolve("shrunk.z");
        CollectorHarness.ok(ours("-z", "-d", "31", vmcore.toString(), whole.toString()), dir);
        Path copy = Files.copy(vmcore, dir.resolve("shrinking.vmcore"), StandardCopyOption.REPLACE_EXISTING);
        long newEnd = Files.size(copy) * 6 / 10 / PAGE * PAGE;
        Path err = dir.resolve("shrink.stderr");
        Path out = dir.resolve("shrink.stdout");
        Process p = new ProcessBuilder(ours("-z", "-d", "31", copy.toString(),
                shrunk.toString())).directory(dir.toFile()).redirectError(err.toFile()).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // the first progress line is drawn when the copy of the pages starts, after the scan
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(err, StandardCharsets.ISO_8859_1).contains(ProgressPrinter.COPYING)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline,
                    () -> "the copy never started: " + readQuietly(err));
            Thread.sleep(2);
        }
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.truncate(newEnd);
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "collector did not finish");
        // warnings are common messages: on standard output, as makedumpfile's
        String messages = Files.readString(out, StandardCharsets.ISO_8859_1) + Files.readString(err,
                StandardCharsets.ISO_8859_1);
        assertEquals(0, p.exitValue(), messages);

        // the pages of the whole run that lie past the new end are the ones the shrunk run lost
        List<long[]> loads = ptLoads(vmcore);
        long pastEnd = 0;
        long compared = 0;
        try (Vmcore w = Vmcore.open(whole); KdumpVmcore s = KdumpVmcore.open(shrunk); Vmcore v = Vmcore.open(vmcore)) {
            PhysicalMemory mw = w.physicalMemory();
            PhysicalMemory ms = s.physicalMemory();
            assertTrue(!s.incomplete(), "a completed run is not INCOMPLETE");
            byte[] a = new byte[PAGE];
            byte[] b = new byte[PAGE];
            for (long pfn = 0; pfn < mw.endPfn(); pfn++) {
                PageStatus expected = mw.status(pfn);
                PageStatus actual = ms.status(pfn);
                long offset = fileOffset(loads, pfn);
                if (expected == PageStatus.PRESENT && offset >= 0 && offset + PAGE > newEnd) {
                    pastEnd++;
                    assertTrue(actual != PageStatus.PRESENT, "PFN " + pfn + " lies past the new end, yet is present");
                    continue;
                }
                assertEquals(expected, actual, "PFN " + pfn);
                if (actual == PageStatus.PRESENT) {
                    ms.readPage(pfn, a, 0);
                    v.physicalMemory().readPage(pfn, b, 0);
                    assertArrayEquals(b, a, "PFN " + pfn + " differs from the vmcore");
                    compared++;
                }
            }
        }
        assertTrue(pastEnd > 1000, pastEnd + " dumpable pages past the new end: cut too close to the end");
        Matcher m = Pattern.compile("(\\d+) page\\(s\\) could not be read").matcher(messages);
        assertTrue(m.find(), messages);
        assertEquals(pastEnd, Long.parseLong(m.group(1)), "pages reported unreadable: " + messages);
        System.out.printf(Locale.ROOT, "input cut to %d of %d bytes mid-copy: status 0, %d pages past the new end "
                + "reported and left out, %d pages written, all equal the vmcore's and the whole run's%n",
                newEnd, Files.size(vmcore), pastEnd, compared);
        Files.delete(copy);
        Files.delete(out);
        Files.delete(err);
        Files.delete(whole);
        Files.delete(shrunk);
    }

    /**
     * ENOSPC on a real file system: an 8 MiB tmpfs. Both makedumpfile and vmcore4j exit 1 and leave a
     * file flagged INCOMPLETE; ours says how many pages got out, and exactly that many read back, each
     * equal to the vmcore's page.
     */
    @Test
    void fullDiskEndsWithStatus1AndAnIncompleteFile() throws Exception {
        Path vmcore = Corpus.x86_64Dumps().get(0).vmcore();
        // outside target/, so that a mount left behind by a killed run never blocks `mvn clean`
        Path mnt = Files.createTempDirectory("vmcore4j-full-");
        Result mount = CollectorHarness.run(List.of("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt.toString()), dir);
        if (mount.status() != 0) {
            Files.deleteIfExists(mnt);
            Prerequisites.assumePresent(false, "cannot mount a tmpfs to fill up (mount -t tmpfs needs root; CI runs "
                    + "as root): " + mount.err().strip());
        }
        try {
            Path theirs = mnt.resolve("m.c");
            Result mr = CollectorHarness.run(makedumpfile("-c", "-d", "31", vmcore.toString(), theirs.toString()), dir);
            assertEquals(1, mr.status(), mr::toString);
            Path theirCopy = Files.copy(theirs, dir.resolve("m.c"), StandardCopyOption.REPLACE_EXISTING);
            Files.delete(theirs);
            Path full = mnt.resolve("o.c");
            Result or = CollectorHarness.run(ours("-c", "-d", "31", vmcore.toString(), full.toString()), dir);
            assertEquals(1, or.status(), or::toString);
            assertTrue(or.err().contains("No space left on device"), or::toString);
            assertTrue(or.all().contains("This is an incomplete dumpfile, but might analyzable."), or::toString);
            assertTrue(or.all().contains("vmcore4j Failed."), or::toString);
            Matcher m = Pattern.compile("failed after (\\d+) of (\\d+) pages").matcher(or.err());
            assertTrue(m.find(), "the message says how many pages got out: " + or);
            long written = Long.parseLong(m.group(1));
            // read back from a copy on disk: paging in a hole of a sparse file on a full tmpfs needs a free
            // page, so mapped reads of the file in place can fault (SIGBUS)
            Path ourCopy = Files.copy(full, dir.resolve("o.c"), StandardCopyOption.REPLACE_EXISTING);
            long present;
            try (KdumpVmcore ko = KdumpVmcore.open(ourCopy); KdumpVmcore km = KdumpVmcore.open(theirCopy)) {
                assertTrue(ko.incomplete(), "our file's header says INCOMPLETE");
                assertTrue(km.incomplete(), "makedumpfile's file's header says INCOMPLETE");
            }
            present = CollectorHarness.assertPagesFromVmcore(ourCopy, vmcore, 1);
            assertTrue(written > 1000, or::toString);
            assertEquals(written, present, "the pages the message counts are the pages the file holds");
            System.out.printf(Locale.ROOT, "8 MiB tmpfs, -c -d 31: makedumpfile and vmcore4j exit 1 with INCOMPLETE "
                    + "files; ours says %d of %s pages got out, and %d read back equal to the vmcore's%n",
                    written, m.group(2), present);
            Files.delete(ourCopy);
            Files.delete(theirCopy);
        } finally {
            CollectorHarness.run(List.of("umount", "-l", mnt.toString()), dir);
            Files.deleteIfExists(mnt);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The ELF64 little-endian vmcore's PT_LOADs as {p_offset, p_paddr, p_filesz}, read from its headers. */
    private static List<long[]> ptLoads(Path elf) throws IOException {
        try (FileChannel ch = FileChannel.open(elf)) {
            ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(eh, 0);
            assertEquals(0x464c457f, eh.getInt(0), "an ELF file");
            assertEquals(2, eh.get(4), "ELF64");
            long phoff = eh.getLong(32);
            int phentsize = Short.toUnsignedInt(eh.getShort(54));
            int phnum = Short.toUnsignedInt(eh.getShort(56));
            ByteBuffer ph = ByteBuffer.allocate(phentsize * phnum).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(ph, phoff);
            List<long[]> loads = new ArrayList<>();
            for (int i = 0; i < phnum; i++) {
                int at = i * phentsize;
                if (ph.getInt(at) == 1) {
                    loads.add(new long[] {ph.getLong(at + 8), ph.getLong(at + 24), ph.getLong(at + 32)});
                }
            }
            return loads;
        }
    }

    /** Where the page {@code pfn} lies in the vmcore file; -1 where no PT_LOAD holds all of it. */
    private static long fileOffset(List<long[]> loads, long pfn) {
        long address = pfn * PAGE;
        for (long[] load : loads) {
            if (address >= load[1] && address + PAGE <= load[1] + load[2]) {
                return load[0] + address - load[1];
            }
        }
        return -1;
    }
}
