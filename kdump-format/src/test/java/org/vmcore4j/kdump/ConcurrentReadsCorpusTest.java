package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.AddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PageStatusMap;
import org.vmcore4j.core.ReadResult;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * One opened dump read by 8 threads at once answers every read as one thread does: the same bytes,
 * and for what it cannot give the same count, reason and stop address. Run on every reader of a
 * corpus vmcore: the ELF vmcore itself, and makedumpfile 1.7.9's {@code -d 31} output as one
 * kdump-compressed file, as a flattened stream ({@code -F}) and as a split set ({@code --split}).
 * The three kdump readers must also agree with each other, and with the ELF vmcore on every byte they
 * give; and the throwing reads must throw exactly where the reads that say why stop.
 */
@RequiresCorpus
@RequiresMakedumpfile
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentReadsCorpusTest {
    private static final int THREADS = 8;
    private static final int PHYSICAL_SAMPLES = 1500;
    private static final int VIRTUAL_SAMPLES = 1500;
    private static final long SEED = 0x17_2026_12_05L;

    /** One read: the space, the address and the length. */
    record Sample(AddressSpace space, long address, int length) {
    }

    /** What a read gave: the result without its message (which names the file) and the CRC of the bytes read. */
    record Answer(int bytesRead, ReadResult.Outcome outcome, long stopAddress, long crc) {
    }

    static Corpus.Dump[] dumps() {
        return CorpusChecks.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyReaderAnswersEightThreadsAsItAnswersOne(Corpus.Dump d) throws Exception {
        Path kdump = ReferenceOutputs.output(d, "d31-l", "-d", "31", "-l");
        Path flat = ReferenceOutputs.flattened(d, "F-d31-l", "-d", "31", "-l");
        List<Path> split = ReferenceOutputs.split(d, "split2-d31-l", 2, "-d", "31", "-l");
        List<Sample> samples;
        List<Answer> elfAnswers;
        try (Vmcore elf = Vmcore.open(d.vmcore())) {
            samples = samples(elf);
            elfAnswers = checkConcurrently("elf", elf, samples);
        }
        List<Answer> kdumpAnswers;
        PageStatusMap kdumpMap;
        try (Vmcore one = Vmcore.open(kdump)) {
            kdumpAnswers = checkConcurrently("kdump", one, samples);
            kdumpMap = one.physicalMemory().statusMap();
            for (long pfn = 0; pfn < one.physicalMemory().endPfn(); pfn++) {
                if (kdumpMap.status(pfn) != one.physicalMemory().status(pfn)) {
                    assertEquals(one.physicalMemory().status(pfn), kdumpMap.status(pfn), "status map at frame " + pfn);
                }
            }
        }
        try (Vmcore flattened = Vmcore.open(flat)) {
            assertEquals(kdumpAnswers, checkConcurrently("flattened", flattened, samples), "flattened vs kdump");
            assertEquals(kdumpMap, flattened.physicalMemory().statusMap(), "flattened status map");
        }
        try (Vmcore set = Vmcore.open(split, org.vmcore4j.core.OpenOptions.defaults())) {
            assertEquals(kdumpAnswers, checkConcurrently("split", set, samples), "split set vs kdump");
            assertEquals(kdumpMap, set.physicalMemory().statusMap(), "split status map");
        }

        Map<ReadResult.Outcome, Integer> tally = new EnumMap<>(ReadResult.Outcome.class);
        for (int i = 0; i < samples.size(); i++) {
            Answer k = kdumpAnswers.get(i);
            Answer e = elfAnswers.get(i);
            tally.merge(k.outcome(), 1, Integer::sum);
            if (k.outcome() == ReadResult.Outcome.COMPLETE) {
                assertEquals(e, k, "the -d 31 file gives the vmcore's bytes: " + samples.get(i));
            } else {
                // what the filtered file stops at, the vmcore holds or lacks as well; before it they agree
                assertTrue(e.bytesRead() >= k.bytesRead() || e.outcome() == k.outcome(),
                        samples.get(i) + ": elf " + e + ", kdump " + k);
            }
        }
        // the sample must meet what the test is about: filtered pages, holes, unmapped addresses
        assertTrue(tally.getOrDefault(ReadResult.Outcome.EXCLUDED, 0) > 100, "excluded reads: " + tally);
        assertTrue(tally.getOrDefault(ReadResult.Outcome.COMPLETE, 0) > 500, "complete reads: " + tally);
        assertTrue(tally.getOrDefault(ReadResult.Outcome.NOT_RAM, 0) > 0, "not-RAM reads: " + tally);
        assertTrue(tally.getOrDefault(ReadResult.Outcome.NOT_MAPPED, 0) > 0, "unmapped reads: " + tally);
        assertTrue(kdumpMap.count(PageStatus.EXCLUDED) > 0 && kdumpMap.count(PageStatus.PRESENT) > 0, kdumpMap.toString());
        // the figures a report quotes: what the sample met on the -d 31 readers
        System.out.println(d.name() + ": " + samples.size() + " reads x (1 + " + THREADS + " threads) per reader, -d 31 outcomes "
                + tally + ", " + kdumpMap);
    }

    /**
     * Physical addresses anywhere up to 64 frames past the last, reads of 1 byte to 2 pages; kernel
     * virtual ones in the direct map (so filtered pages are met), beside VMCOREINFO's symbols (the
     * kernel image) and in the vmalloc area (mostly not mapped).
     */
    private static List<Sample> samples(Vmcore elf) throws IOException {
        Random rnd = new Random(SEED);
        int page = elf.physicalMemory().pageSize();
        long frames = elf.physicalMemory().endPfn() + 64;
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < PHYSICAL_SAMPLES; i++) {
            long addr = (long) (rnd.nextDouble() * frames) * page + rnd.nextInt(page);
            out.add(new Sample(AddressSpace.PHYSICAL, addr, 1 + rnd.nextInt(2 * page)));
        }
        X86_64AddressSpace kas = (X86_64AddressSpace) elf.kernelAddressSpace();
        VmcoreInfo info = elf.vmcoreInfo().orElseThrow();
        List<Long> symbols = new ArrayList<>();
        for (String key : info.entries().keySet()) {
            if (key.startsWith("SYMBOL(")) {
                symbols.add(info.symbol(key.substring(7, key.length() - 1)).orElseThrow());
            }
        }
        Collections.sort(symbols);
        for (int i = 0; i < VIRTUAL_SAMPLES; i++) {
            int kind = rnd.nextInt(10);
            long addr;
            if (kind < 7) {
                addr = kas.pageOffset() + (long) (rnd.nextDouble() * frames) * page + rnd.nextInt(page);
            } else if (kind < 9) {
                addr = symbols.get(rnd.nextInt(symbols.size())) + rnd.nextInt(1 << 20);
            } else {
                addr = kas.vmallocStart().orElse(0xffffc90000000000L) + (rnd.nextLong() & ((1L << 40) - 1));
            }
            out.add(new Sample(AddressSpace.KERNEL_VIRTUAL, addr, 1 + rnd.nextInt(2 * page)));
        }
        return out;
    }

    /** The answers of one thread, then of {@value #THREADS} threads each reading every sample in its own order. */
    private static List<Answer> checkConcurrently(String reader, Vmcore dump, List<Sample> samples) throws Exception {
        List<Answer> expected = new ArrayList<>();
        byte[] buf = new byte[2 * dump.physicalMemory().pageSize()];
        for (Sample s : samples) {
            expected.add(answer(dump, s, buf, false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Answer[]>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < samples.size(); i++) {
                        order.add(i);
                    }
                    Collections.shuffle(order, new Random(SEED + thread));
                    byte[] mine = new byte[buf.length];
                    Answer[] got = new Answer[samples.size()];
                    for (int i : order) {
                        // every other thread also reads through the throwing twins
                        got[i] = answer(dump, samples.get(i), mine, thread % 2 == 1);
                    }
                    return got;
                }));
            }
            for (int t = 0; t < THREADS; t++) {
                Answer[] got = futures.get(t).get();
                for (int i = 0; i < samples.size(); i++) {
                    assertEquals(expected.get(i), got[i], reader + ", thread " + t + ", " + samples.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return expected;
    }

    private static Answer answer(Vmcore dump, Sample s, byte[] buf, boolean alsoThrowing) throws IOException {
        ReadResult r = dump.read(s.space(), s.address(), buf, 0, s.length());
        CRC32 crc = new CRC32();
        crc.update(buf, 0, r.bytesRead());
        Answer a = new Answer(r.bytesRead(), r.outcome(), r.stopAddress(), crc.getValue());
        if (alsoThrowing) {
            checkThrowingTwin(dump, s, r);
        }
        return a;
    }

    /** The throwing read throws exactly when the other stops, for the same reason. */
    private static void checkThrowingTwin(Vmcore dump, Sample s, ReadResult r) throws IOException {
        byte[] b = new byte[s.length()];
        try {
            if (s.space() == AddressSpace.PHYSICAL) {
                dump.physicalMemory().read(s.address(), b, 0, s.length());
            } else {
                dump.kernelAddressSpace().read(s.address(), b, 0, s.length());
            }
            assertTrue(r.isComplete(), s + ": the throwing read read everything, the other said " + r);
        } catch (MemoryAccessException e) {
            assertEquals(r.outcome(), ReadResult.Outcome.of(e.reason()), s + ": " + e.getMessage());
        } catch (VmcoreFormatException e) {
            assertEquals(ReadResult.Outcome.CORRUPT, r.outcome(), s + ": " + e.getMessage());
        }
    }
}
