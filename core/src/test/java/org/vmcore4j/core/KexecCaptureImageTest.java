package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * A synthetic whole-machine raw image of a kexec_load capture, laid out as kexec-tools lays one out
 * (elfcorehdr at the top of the crash kernel's reservation, the backup copy of low memory in it, a
 * stale copy of the header in the crashed kernel's own memory as kexec-tools' buffer leaves one), read
 * as the crashed kernel's memory; and the same with its elfcorehdr damaged: every outcome is a refusal
 * (the image read as it is, said so) or pages equal to the crashed kernel's, never another page.
 *
 * <p>What the image alone cannot tell, and the property therefore leaves out: a header that stays
 * self-consistent while naming other memory, such as a PT_LOAD moved (not overlapping) into a part of
 * the reservation that holds neither the header nor the copy, or the backed-up range moved within low
 * memory. The reservation's bounds ({@code crashk_res}) and {@code kexec_crash_image} are not in
 * VMCOREINFO; crash finds them through vmlinux.
 */
class KexecCaptureImageTest {
    static final int PAGE = 4096;
    static final int SIZE = 4 << 20;
    static final long HEADER = 0x2ff000;
    static final long STALE_HEADER = 0x180000;
    static final long COPY = 0x210000;
    static final long NOTES = 0x150000;
    /** paddr, size, source (p_offset), vaddr of the PT_LOADs in program header order. */
    static final long[][] LOADS = {
        {0x100000, 0x80000, 0x100000, 0xffffffff81000000L}, // kernel text, inside the RAM below
        {0x1000, 0x9ec00, COPY, 0xffff888000001000L}, // backed-up low memory, read from the copy
        {0x100000, 0x100000, 0x100000, 0xffff888000100000L},
        {0x300000, 0x100000, 0x300000, 0xffff888000300000L},
    };
    static final byte[] CRASHED = new byte[SIZE];
    static final byte[] IMAGE = new byte[SIZE];
    static final int HEADER_LENGTH;

    static {
        Random r = new Random(16);
        r.nextBytes(CRASHED);
        byte[] noteBytes = vmcoreinfoNote("OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
        System.arraycopy(noteBytes, 0, CRASHED, (int) NOTES, noteBytes.length);
        byte[] header = header(noteBytes.length);
        HEADER_LENGTH = header.length;
        System.arraycopy(header, 0, CRASHED, (int) STALE_HEADER, header.length); // kexec-tools' buffer, freed
        System.arraycopy(CRASHED, 0, IMAGE, 0, SIZE);
        byte[] capture = new byte[SIZE];
        r.nextBytes(capture);
        // the capture kernel wrote over the low range and its reservation; purgatory copied low memory first
        System.arraycopy(capture, 0, IMAGE, 0, 0xa0000);
        System.arraycopy(capture, 0x200000, IMAGE, 0x200000, 0x100000);
        System.arraycopy(CRASHED, 0x1000, IMAGE, (int) COPY, 0x9ec00);
        System.arraycopy(header, 0, IMAGE, (int) HEADER, header.length);
    }

    static byte[] vmcoreinfoNote(String text) {
        byte[] desc = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(12 + 12 + ((desc.length + 3) & ~3) + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(11).putInt(desc.length).putInt(0).put("VMCOREINFO\0\0".getBytes(StandardCharsets.US_ASCII)).put(desc);
        return b.array(); // ends with the empty note the kernel terminates with
    }

    static byte[] header(int notesSize) {
        int phnum = 1 + LOADS.length;
        ByteBuffer b = ByteBuffer.allocate(64 + 56 * phnum).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).putLong(0);
        b.putShort((short) 4).putShort((short) 62).putInt(1).putLong(0).putLong(64).putLong(0).putInt(0);
        b.putShort((short) 64).putShort((short) 56).putShort((short) phnum).putShort((short) 64).putShort((short) 0)
                .putShort((short) 0);
        b.putInt(4).putInt(0).putLong(NOTES).putLong(0).putLong(NOTES).putLong(notesSize).putLong(notesSize).putLong(0);
        for (long[] l : LOADS) {
            b.putInt(1).putInt(7).putLong(l[2]).putLong(l[3]).putLong(l[0]).putLong(l[1]).putLong(l[1]).putLong(0);
        }
        return b.array();
    }

    /** The crashed kernel's page {@code pfn} as /proc/vmcore serves it: its bytes where a PT_LOAD names them, else zeros. */
    static byte[] expectedPage(long pfn) {
        byte[] page = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            long a = pfn * PAGE + i;
            for (long[] l : LOADS) {
                if (a >= l[0] && a < l[0] + l[1]) {
                    page[i] = CRASHED[(int) a];
                }
            }
        }
        return page;
    }

    static Vmcore open(byte[] image, boolean remap) throws IOException {
        return Vmcore.open(new ByteArraySource(image, "synthetic capture image"),
                OpenOptions.defaults().withRawRanges(RawRange.parse("0")).withBackupRegionRemap(remap));
    }

    /**
     * The crashed kernel's page {@code pfn} as a dump whose RAM is {@code ranges} serves it: its bytes
     * there, zeros elsewhere (a damaged header may name less RAM than the crashed kernel had; never bytes
     * from another place).
     */
    static byte[] expectedPage(long pfn, List<PhysicalRange> ranges) {
        byte[] page = new byte[PAGE];
        long first = pfn * PAGE;
        for (PhysicalRange r : ranges) {
            long a = Math.max(first, r.start());
            long b = Math.min(first + PAGE, r.end());
            for (long x = a; x < b; x++) {
                page[(int) (x - first)] = x < SIZE ? CRASHED[(int) x] : 0x55; // past the image no byte can be right
            }
        }
        return page;
    }

    /** Checks every page the dump says it holds against the crashed kernel's; returns how many it holds. */
    static int assertCrashedKernelPages(Vmcore v) throws IOException {
        PhysicalMemory m = v.physicalMemory();
        byte[] page = new byte[PAGE];
        int present = 0;
        for (long pfn = 0; pfn < SIZE / PAGE; pfn++) {
            if (m.status(pfn) == PageStatus.PRESENT) {
                m.readPage(pfn, page, 0);
                assertArrayEquals(expectedPage(pfn, m.ranges()), page, "page 0x" + Long.toHexString(pfn));
                present++;
            } else {
                long p = pfn;
                assertThrows(MemoryAccessException.class, () -> m.readPage(p, new byte[PAGE], 0));
            }
        }
        return present;
    }

    @Test
    void captureReadsAsTheCrashedKernelsMemory() throws IOException {
        try (Vmcore v = open(IMAGE, true)) {
            WholeMachineImage facts = v.wholeMachineImage().orElseThrow();
            assertEquals(WholeMachineImage.Kind.KEXEC_LOAD_CAPTURE, facts.kind(), facts.describe());
            assertTrue(facts.backupRegionRemapped());
            assertEquals(HEADER, facts.elfcorehdr().orElseThrow().address(), "the stale copy is not the header");
            assertEquals(List.of(new PhysicalRange(0x1000, 0x9fc00), new PhysicalRange(0x100000, 0x200000),
                    new PhysicalRange(0x300000, 0x400000)), v.physicalMemory().ranges());
            assertEquals(0x9f + 0x100 + 0x100, assertCrashedKernelPages(v));
            for (long pfn = 0; pfn < SIZE / PAGE; pfn++) {
                if (v.physicalMemory().status(pfn) == PageStatus.PRESENT) {
                    byte[] page = new byte[PAGE];
                    v.physicalMemory().readPage(pfn, page, 0);
                    assertArrayEquals(expectedPage(pfn), page, "page 0x" + Long.toHexString(pfn));
                }
            }
            assertEquals("6.1.0-test", v.vmcoreInfo().orElseThrow().osRelease().orElseThrow());
            MemoryAccessException e = assertThrows(MemoryAccessException.class,
                    () -> v.physicalMemory().readPage(COPY / PAGE, new byte[PAGE], 0));
            assertEquals(MemoryAccessException.Reason.CAPTURE_KERNEL_MEMORY, e.reason());
        }
    }

    @Test
    void refusedRemapReadsTheImageAsItIs() throws IOException {
        try (Vmcore v = open(IMAGE, false)) {
            assertEquals(WholeMachineImage.Kind.NOT_INSPECTED, v.wholeMachineImage().orElseThrow().kind());
            byte[] page = new byte[PAGE];
            v.physicalMemory().readPage(0x10, page, 0);
            assertArrayEquals(Arrays.copyOfRange(IMAGE, 0x10000, 0x11000), page);
            assertFalse(Arrays.equals(expectedPage(0x10), page));
        }
    }

    @Test
    void imageWithoutElfcorehdrIsLiveKernelMemory() throws IOException {
        byte[] live = CRASHED.clone();
        Arrays.fill(live, (int) STALE_HEADER, (int) STALE_HEADER + 4, (byte) 0);
        try (Vmcore v = open(live, true)) {
            assertEquals("live kernel memory (no elfcorehdr)", v.wholeMachineImage().orElseThrow().describe());
            assertEquals(List.of(new PhysicalRange(0, SIZE)), v.physicalMemory().ranges());
        }
    }

    @Test
    void blankBackupCopyMeansArmedButNotCrashed() throws IOException {
        byte[] armed = IMAGE.clone();
        Arrays.fill(armed, (int) COPY, (int) COPY + 0x9ec00, (byte) 0);
        try (Vmcore v = open(armed, true)) {
            WholeMachineImage facts = v.wholeMachineImage().orElseThrow();
            assertEquals(WholeMachineImage.Kind.LIVE_KERNEL_MEMORY, facts.kind());
            assertTrue(facts.describe().contains("blank"), facts.describe());
        }
    }

    /** A change to the elfcorehdr in the image. */
    record Mutation(String what, Consumer<ByteBuffer> apply) {
        @Override
        public String toString() {
            return what;
        }
    }

    static final int PHDR = 64;

    /** Offset of PT_LOAD {@code i}'s program header (after the PT_NOTE). */
    static int load(int i) {
        return PHDR + 56 * (1 + i);
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<Integer> loadIndex = Arbitraries.integers().between(0, LOADS.length - 1);
        Arbitrary<Mutation> phnum = Arbitraries.integers().between(0, 12).map(n -> new Mutation("e_phnum " + n,
                b -> b.putShort(56, (short) (int) n)));
        Arbitrary<Mutation> offsetPast = Combinators.combine(loadIndex,
                Arbitraries.longs().between(SIZE - PAGE, Long.MAX_VALUE)).as((i, off) -> new Mutation(
                        "PT_LOAD " + i + " p_offset 0x" + Long.toHexString(off), b -> b.putLong(load(i) + 8, off)));
        Arbitrary<Mutation> overlap = Combinators.combine(loadIndex, loadIndex, Arbitraries.longs().between(0, 0x7ffff),
                Arbitraries.longs().between(1, 0x200000), Arbitraries.of(true, false)).as((i, j, delta, size, identity) -> {
                    long paddr = LOADS[j][0] + delta; // starts inside PT_LOAD j (each is at least 0x80000 long)
                    return new Mutation(String.format(Locale.ROOT, "PT_LOAD %d at 0x%x size 0x%x%s", i, paddr, size,
                            identity ? " read in place" : ""), b -> {
                                b.putLong(load(i) + 24, paddr).putLong(load(i) + 32, size).putLong(load(i) + 40, size);
                                if (identity) {
                                    b.putLong(load(i) + 8, paddr);
                                }
                            });
                });
        Arbitrary<Mutation> noteSize = Arbitraries.longs().between(0, Long.MAX_VALUE).map(n -> new Mutation(
                "PT_NOTE size " + n, b -> b.putLong(PHDR + 32, n)));
        Arbitrary<Mutation> headerFields = Combinators.combine(Arbitraries.integers().between(0, PHDR - 1),
                Arbitraries.integers().between(1, 255)).as((pos, x) -> new Mutation("ELF header byte " + pos + " ^ " + x,
                        b -> b.put(pos, (byte) (b.get(pos) ^ x))));
        return Arbitraries.oneOf(phnum, offsetPast, overlap, noteSize, headerFields);
    }

    @Property(tries = 250)
    void damagedElfcorehdrNeverServesAnotherPage(@ForAll("mutations") Mutation m) throws IOException {
        byte[] image = IMAGE.clone();
        m.apply().accept(ByteBuffer.wrap(image, (int) HEADER, HEADER_LENGTH).slice().order(ByteOrder.LITTLE_ENDIAN));
        Vmcore v;
        try {
            v = open(image, true);
        } catch (VmcoreFormatException | MemoryAccessException refused) {
            Statistics.collect("refused at open");
            return;
        }
        try (v) {
            WholeMachineImage facts = v.wholeMachineImage().orElseThrow();
            if (!facts.crashedKernelView()) {
                assertEquals(WholeMachineImage.Kind.LIVE_KERNEL_MEMORY, facts.kind(), facts.describe());
                Statistics.collect("read as it is");
                return;
            }
            try {
                int present = assertCrashedKernelPages(v);
                Statistics.collect(present == 0x9f + 0x200 ? "remapped, every page" : "remapped, fewer pages");
            } catch (AssertionError wrong) {
                fail(m + " (" + facts.describe() + "): " + wrong.getMessage(), wrong);
            }
        }
    }
}
