package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmcore4j.testdata.AnalysisTools;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCommand;
import org.vmcore4j.testdata.RequiresMakedumpfile;
import org.vmcore4j.testdata.RequiresVmlinux;

/**
 * The collector on a QEMU image of the whole guest taken during a kexec_load capture (corpus dump
 * {@code k61-1g-2cpu-g}) writes the page set makedumpfile 1.7.9 writes from /proc/vmcore of the same
 * crash, every page equal to /proc/vmcore's, in fact byte for byte makedumpfile's file; {@code --dump-dmesg}
 * writes makedumpfile's bytes.
 */
@RequiresMakedumpfile
class WholeMachineImageCollectorCorpusTest {
    static final String PAIR = "k61-1g-2cpu-g";

    static Corpus.Dump pair() {
        var d = Corpus.guestImageDump(PAIR);
        if (d.isEmpty()) {
            String why = "corpus dump " + PAIR + " (make-corpus.sh builds it with make-vmcore.sh -G) is missing under "
                    + Corpus.directory();
            if (Corpus.required()) {
                throw new IllegalStateException(why);
            }
            Assumptions.abort(why);
        }
        return d.get();
    }

    @ParameterizedTest(name = "-d {0} {1} from {2}")
    @CsvSource({"31, -l, guest-memory.elf", "0, -l, guest-memory.elf", "31, -E, guest-memory.kdump-zlib",
            "1, -z, guest-memory.elf", "8, -p, guest-memory.kdump-zlib", "0, -E, guest-memory.elf"})
    void samePagesAsMakedumpfileFromProcVmcore(int level, String format, String image) throws Exception {
        Corpus.Dump d = pair();
        Path work = CollectorHarness.workDir("whole-machine-" + level + format + image);
        try {
            Path ref = work.resolve("makedumpfile.out");
            Path ours = work.resolve("vmcore4j.out");
            CollectorHarness.ok(CollectorHarness.makedumpfile(format, "-d", Integer.toString(level),
                    d.vmcore().toString(), ref.toString()), work);
            CollectorHarness.Result r = CollectorHarness.ok(CollectorHarness.ours(format, "-d", Integer.toString(level),
                    d.guestImage(image).toString(), ours.toString()), work);
            CollectorHarness.PageCounts c = CollectorHarness.assertSamePages(ref, ours, 1);
            long fromVmcore = CollectorHarness.assertPagesFromVmcore(ours, d.vmcore(), 1);
            System.out.printf(Locale.ROOT, "-d %d %s from %s: %d pages written (as makedumpfile from /proc/vmcore), %d excluded, "
                    + "%d not RAM; all %d equal /proc/vmcore's; vmcore4j %d ms%n", level, format, image, c.present(),
                    c.excluded(), c.notRam(), fromVmcore, r.millis());
            assertEquals(c.present(), fromVmcore);
            // the crashed kernel's notes, memory and PT_LOADs as /proc/vmcore gives them: the very file makedumpfile
            // writes. Not so for a kdump file from QEMU's kdump-zlib image: QEMU's header states dump level 1 (it
            // still stores zero pages), which a re-filtering adds to the output's, as makedumpfile would.
            if (image.endsWith(".elf") || format.equals("-E")) {
                CollectorHarness.assertSameBytes(ref, ours);
            }
        } finally {
            CollectorHarness.deleteTree(work);
        }
    }

    @Test
    void dumpDmesgFromImageEqualsMakedumpfileFromProcVmcore() throws Exception {
        Corpus.Dump d = pair();
        Path work = CollectorHarness.workDir("whole-machine-dmesg");
        try {
            Path ref = work.resolve("makedumpfile.dmesg");
            Path ours = work.resolve("vmcore4j.dmesg");
            CollectorHarness.ok(CollectorHarness.makedumpfile("--dump-dmesg", d.vmcore().toString(), ref.toString()), work);
            CollectorHarness.ok(CollectorHarness.ours("--dump-dmesg", d.guestImage(Corpus.GUEST_IMAGE).toString(),
                    ours.toString()), work);
            byte[] expected = Files.readAllBytes(ref);
            assertTrue(expected.length > 10_000, "makedumpfile wrote " + expected.length + " bytes");
            assertArrayEquals(expected, Files.readAllBytes(ours));
        } finally {
            CollectorHarness.deleteTree(work);
        }
    }

    @Test
    void infoSaysWhatTheImageHolds() throws Exception {
        Corpus.Dump d = pair();
        Path work = CollectorHarness.workDir("whole-machine-info");
        try {
            String capture = CollectorHarness.ok(CollectorHarness.ours("info", d.guestImage(Corpus.GUEST_IMAGE).toString()),
                    work).out();
            assertTrue(capture.contains("image:      kexec_load capture, elfcorehdr at 0x"), capture);
            assertTrue(capture.contains("remapped from its copy at 0x"), capture);
            String asItIs = CollectorHarness.ok(CollectorHarness.ours("info", "--no-backup-remap",
                    d.guestImage(Corpus.GUEST_IMAGE).toString()), work).out();
            assertTrue(asItIs.contains("image:      whole-machine image read as it is"), asItIs);
            String live = CollectorHarness.ok(CollectorHarness.ours("info", d.guestImage("guest-memory-precrash.elf").toString()),
                    work).out();
            assertTrue(live.contains("image:      live kernel memory (no elfcorehdr)\n"), live);
            String vmcore = CollectorHarness.ok(CollectorHarness.ours("info", d.vmcore().toString()), work).out();
            assertTrue(!vmcore.contains("image:"), "/proc/vmcore is no whole-machine image:\n" + vmcore);
        } finally {
            CollectorHarness.deleteTree(work);
        }
    }

    /** crash 8.0.2 sees in our -d 31 file from the image what it sees in /proc/vmcore: sys, log, bt -a. */
    @Test
    @RequiresVmlinux
    @RequiresCommand("crash")
    void crashReadsOurFileFromTheImageAsTheVmcore() throws Exception {
        Corpus.Dump d = pair();
        Path vmlinux = AnalysisTools.requireVmlinux(d);
        Path work = CollectorHarness.workDir("whole-machine-crash");
        try {
            Path ours = work.resolve("vmcore4j-d31.kdump");
            CollectorHarness.ok(CollectorHarness.ours("-l", "-d", "31", d.guestImage(Corpus.GUEST_IMAGE).toString(),
                    ours.toString()), work);
            AnalysisTools.CrashResult base = AnalysisTools.crash(vmlinux, d.vmcore(), AnalysisTools.CRASH_COMMANDS);
            assertTrue(base.run().ok(), base.run().describe(3000));
            AnalysisTools.CrashResult mine = AnalysisTools.crash(vmlinux, ours, AnalysisTools.CRASH_COMMANDS);
            assertTrue(mine.run().ok(), mine.run().describe(3000));
            assertEquals(base.problems(), mine.problems(), "crash's error and warning lines, ours vs the vmcore's");
            assertEquals(base.normalised(), mine.normalised(), "crash sys/log/bt -a, ours vs the vmcore's");
            assertTrue(mine.normalised().contains("PANIC:"), mine::normalised);
            System.out.printf(Locale.ROOT, "crash on our -d 31 file from the image: %d lines equal to crash on /proc/vmcore (%d ms)%n",
                    mine.normalised().lines().count(), mine.run().millis());
        } finally {
            CollectorHarness.deleteTree(work);
        }
    }

    /** crash's IMAGE@ADDRESS and --raw-ranges: the QEMU ELF's memory named by file offsets is the same capture. */
    @Test
    void rawImageOfTheSameMemoryIsTheSameCapture() throws Exception {
        Corpus.Dump d = pair();
        Path work = CollectorHarness.workDir("whole-machine-raw");
        try {
            Path ranges = work.resolve("ranges");
            StringBuilder sb = new StringBuilder("# file offset, physical address, length: guest-memory.elf's PT_LOADs\n");
            try (var elf = org.vmcore4j.core.RandomAccessSource.open(d.guestImage(Corpus.GUEST_IMAGE))) {
                var order = java.nio.ByteOrder.LITTLE_ENDIAN;
                long phoff = elf.readLong(32, order);
                int phnum = elf.readShort(56, order) & 0xffff;
                for (int i = 0; i < phnum; i++) {
                    long p = phoff + 56L * i;
                    if (elf.readInt(p, order) == 1) {
                        sb.append(String.format(Locale.ROOT, "0x%x 0x%x 0x%x%n", elf.readLong(p + 8, order), elf.readLong(p + 24, order),
                                elf.readLong(p + 32, order)));
                    }
                }
            }
            Files.writeString(ranges, sb);
            CollectorHarness.Result info = CollectorHarness.ok(CollectorHarness.ours("info", "--raw-ranges",
                    ranges.toString(), d.guestImage(Corpus.GUEST_IMAGE).toString()), work);
            assertTrue(info.out().contains("image:      kexec_load capture"), info.out());
            Path ours = work.resolve("raw.dmesg");
            Path ref = work.resolve("makedumpfile.dmesg");
            CollectorHarness.ok(CollectorHarness.makedumpfile("--dump-dmesg", d.vmcore().toString(), ref.toString()), work);
            CollectorHarness.ok(CollectorHarness.ours("--raw-ranges", ranges.toString(), "--dump-dmesg",
                    d.guestImage(Corpus.GUEST_IMAGE).toString(), ours.toString()), work);
            assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(ours));
            List<String> lines = Files.readAllLines(ranges);
            System.out.println("raw image ranges: " + lines.subList(1, lines.size()));
        } finally {
            CollectorHarness.deleteTree(work);
        }
    }
}
