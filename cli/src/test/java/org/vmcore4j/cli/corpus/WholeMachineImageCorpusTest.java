package org.vmcore4j.cli.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Elfcorehdr;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.WholeMachineImage;
import org.vmcore4j.testdata.Corpus;

/**
 * A QEMU {@code dump-guest-memory} of the whole guest, taken while the crash kernel of a kexec_load
 * capture ran (corpus dump {@code k61-1g-2cpu-g}, {@code make-vmcore.sh -G}), read as the crashed
 * kernel's memory equals /proc/vmcore of the same crash page for page; read as it is, the low range
 * kexec backed up does not.
 */
class WholeMachineImageCorpusTest {
    static final String PAIR = "k61-1g-2cpu-g";
    static final String FILE_LOAD_PAIR = "k61-1g-2cpu-sg";
    /** kexec-tools backs up RAM below 640 KiB (BACKUP_SRC_END 0x9ffff). */
    static final long LOW_END = 0xa0000;

    static Corpus.Dump pair(String name) {
        var d = Corpus.guestImageDump(name);
        if (d.isEmpty()) {
            String why = "corpus dump " + name + " (make-corpus.sh builds it with make-vmcore.sh -G) is missing under "
                    + Corpus.directory();
            if (Corpus.required()) {
                throw new IllegalStateException(why);
            }
            Assumptions.abort(why);
        }
        return d.get();
    }

    /** Pages equal to /proc/vmcore's and pages differing, over /proc/vmcore's every page (or only below LOW_END). */
    record Comparison(long equal, long differing, long lowEqual, long lowDiffering, List<Long> firstDiffering) {
    }

    static Comparison compare(PhysicalMemory truth, PhysicalMemory image) throws IOException {
        int ps = truth.pageSize();
        byte[] a = new byte[ps];
        byte[] b = new byte[ps];
        long eq = 0, diff = 0, lowEq = 0, lowDiff = 0;
        List<Long> first = new java.util.ArrayList<>();
        for (long pfn = 0; pfn < truth.endPfn(); pfn++) {
            if (truth.status(pfn) != PageStatus.PRESENT) {
                continue;
            }
            truth.readPage(pfn, a, 0);
            image.readPage(pfn, b, 0);
            boolean same = Arrays.equals(a, b);
            boolean low = pfn * ps < LOW_END;
            if (same) {
                eq++;
                lowEq += low ? 1 : 0;
            } else {
                diff++;
                lowDiff += low ? 1 : 0;
                if (first.size() < 20) {
                    first.add(pfn);
                }
            }
        }
        return new Comparison(eq, diff, lowEq, lowDiff, first);
    }

    @ParameterizedTest
    @ValueSource(strings = {Corpus.GUEST_IMAGE, "guest-memory.kdump-zlib"})
    void remappedImageEqualsProcVmcorePageForPage(String imageName) throws Exception {
        Corpus.Dump d = pair(PAIR);
        Path image = d.guestImage(imageName);
        try (Vmcore vmcore = Vmcore.open(d.vmcore()); Vmcore remapped = Vmcore.open(image);
                Vmcore asItIs = Vmcore.open(image, OpenOptions.defaults().withBackupRegionRemap(false))) {
            WholeMachineImage facts = remapped.wholeMachineImage().orElseThrow();
            System.out.println(imageName + ": " + facts.describe());
            if (imageName.contains("kdump")) { // QEMU before 8.2 writes its kdump formats flattened
                try (var in = java.nio.file.Files.newInputStream(image)) {
                    assertEquals("makedumpfile", new String(in.readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            assertEquals(WholeMachineImage.Kind.KEXEC_LOAD_CAPTURE, facts.kind());
            assertTrue(facts.backupRegionRemapped());
            Elfcorehdr.Load backup = facts.elfcorehdr().orElseThrow().backup().orElseThrow();
            assertTrue(backup.physicalEnd() <= LOW_END, backup.toString());
            assertEquals(vmcore.physicalMemory().ranges(), remapped.physicalMemory().ranges());
            assertEquals(vmcore.physicalMemory().endPfn(), remapped.physicalMemory().endPfn());

            long t0 = System.nanoTime();
            Comparison with = compare(vmcore.physicalMemory(), remapped.physicalMemory());
            long t1 = System.nanoTime();
            Comparison without = compare(vmcore.physicalMemory(), asItIs.physicalMemory());
            System.out.printf(Locale.ROOT, "%s with the remap: %d pages equal /proc/vmcore's, %d differ (below 640 KiB: %d equal, %d differ);"
                    + " %.1f s%n", imageName, with.equal(), with.differing(), with.lowEqual(), with.lowDiffering(), (t1 - t0) / 1e9);
            System.out.printf(Locale.ROOT, "%s without the remap: %d pages equal, %d differ (below 640 KiB: %d equal, %d differ): pfns %s%n",
                    imageName, without.equal(), without.differing(), without.lowEqual(), without.lowDiffering(),
                    without.firstDiffering().stream().map(Long::toHexString).toList());
            assertEquals(0, with.differing(), "pages differing with the remap: " + with.firstDiffering());
            assertEquals(backup.physicalEnd() / 4096 - backup.physicalAddress() / 4096 + (backup.physicalEnd() % 4096 == 0 ? 0 : 1),
                    with.lowEqual(), "every page of the backed-up range compared");
            assertTrue(without.lowDiffering() > 0, "the image as it is must differ in the low range");
            assertEquals(with.equal() - without.equal(), without.differing(), "only pages the remap changes differ");

            // the crash kernel's reservation is in the image but not the crashed kernel's memory
            long copyPfn = backup.sourceAddress() / 4096;
            assertEquals(PageStatus.NOT_RAM, remapped.physicalMemory().status(copyPfn));
            assertEquals(PageStatus.PRESENT, asItIs.physicalMemory().status(copyPfn));
            MemoryAccessException e = assertThrows(MemoryAccessException.class,
                    () -> remapped.physicalMemory().readPage(copyPfn, new byte[4096], 0));
            assertEquals(MemoryAccessException.Reason.CAPTURE_KERNEL_MEMORY, e.reason());
            assertFalse(remapped.cpus().isEmpty());
            assertEquals(vmcore.cpus().size(), remapped.cpus().size());
            assertEquals(vmcore.vmcoreInfo().orElseThrow().text(), remapped.vmcoreInfo().orElseThrow().text());
        }
    }

    @Test
    void imageTakenBeforeAnyCrashIsLiveKernelMemory() throws Exception {
        Corpus.Dump d = pair(PAIR);
        try (Vmcore v = Vmcore.open(d.guestImage("guest-memory-precrash.elf"))) {
            WholeMachineImage facts = v.wholeMachineImage().orElseThrow();
            assertEquals(WholeMachineImage.Kind.LIVE_KERNEL_MEMORY, facts.kind(), facts.describe());
            assertTrue(facts.describe().startsWith("live kernel memory (no elfcorehdr)"), facts.describe());
            assertFalse(facts.crashedKernelView());
            byte[] page = new byte[4096];
            v.physicalMemory().readPage(0x10, page, 0); // low memory reads as the image holds it
            assertTrue(v.vmcoreInfo().isPresent(), "QEMU's VMCOREINFO note from the vmcoreinfo device");
        }
    }

    @Test
    void kexecFileLoadCaptureIsRecognisedAndReadWithoutRemap() throws Exception {
        Corpus.Dump d = pair(FILE_LOAD_PAIR);
        try (Vmcore vmcore = Vmcore.open(d.vmcore()); Vmcore image = Vmcore.open(d.guestImage(Corpus.GUEST_IMAGE))) {
            WholeMachineImage facts = image.wholeMachineImage().orElseThrow();
            System.out.println(FILE_LOAD_PAIR + ": " + facts.describe());
            assertEquals(WholeMachineImage.Kind.KEXEC_FILE_CAPTURE, facts.kind());
            assertFalse(facts.backupRegionRemapped());
            assertTrue(facts.elfcorehdr().orElseThrow().backup().isEmpty());
            assertEquals(vmcore.physicalMemory().ranges(), image.physicalMemory().ranges());
            Comparison c = compare(vmcore.physicalMemory(), image.physicalMemory());
            System.out.printf(Locale.ROOT, "%s: %d pages equal /proc/vmcore's, %d differ%n", FILE_LOAD_PAIR, c.equal(), c.differing());
            assertEquals(0, c.differing(), "differing pfns " + c.firstDiffering());
            assertEquals(PageStatus.NOT_RAM, image.physicalMemory().status(0x10), "low 1 MiB went to the capture kernel");
        }
    }
}
