package org.vmcore4j.collector;

import org.vmcore4j.core.HeaderFacts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.filter.ZeroPageHandling;

/**
 * An input read error in the middle of /proc/vmcore: the page that cannot be read is reported and
 * left out (not dumped, never written as wrong bytes), and the dump goes on.
 */
@RequiresCorpus
class UnreadableInputTest {

    @Test
    void unreadablePagesAreReportedAndLeftOut() throws Exception {
        Corpus.Dump d = Corpus.x86_64Dumps().get(0);
        Path out = Files.createDirectories(Path.of("target", "unreadable")).resolve("dump");
        try (Vmcore real = Vmcore.open(d.vmcore())) {
            // pick dumpable pages spread over the dump: every 997th page the -d 31 filter keeps
            Set<Long> bad = new TreeSet<>();
            long[] seen = {0};
            PageFilter.forLevel(31).withZeroPages(ZeroPageHandling.LEAVE_TO_WRITER).scan(real, cycle -> {
                for (long p = cycle.dumpable().nextSetBit(cycle.startPfn()); p >= 0 && p < cycle.endPfn();
                        p = cycle.dumpable().nextSetBit(p + 1)) {
                    if (seen[0]++ % 997 == 500) {
                        bad.add(p);
                    }
                }
            });
            assertTrue(bad.size() > 20, bad.size() + " pages");
            Vmcore faulty = new FaultyInput(real, bad);
            List<String> warnings = new ArrayList<>();
            CollectorListener listener = new CollectorListener() {
                @Override
                public void warning(String message) {
                    warnings.add(message);
                }
            };
            try (DumpSink sink = DumpSink.toFile(out)) {
                KdumpCollector.write(faulty, PageFilter.forLevel(31),
                        KdumpCollector.Options.of(Compression.ZSTD).withWorkers(2), sink, listener);
            }
            assertTrue(warnings.stream().anyMatch(w -> w.contains(bad.size() + " page(s) could not be read")), warnings::toString);
            assertEquals(17, warnings.size(), "16 listed, then the total: " + warnings);
            try (KdumpVmcore k = KdumpVmcore.open(out)) {
                assertFalse(k.incomplete(), "a completed dump is not INCOMPLETE");
                PhysicalMemory m = k.physicalMemory();
                for (long p : bad) {
                    assertEquals(PageStatus.EXCLUDED, m.status(p), "PFN " + p);
                }
                long present = ElfPagesCheck.assertDumpablePagesEqual(k, real, 100);
                assertEquals(seen[0] - bad.size(), present, "pages present");
                assertEquals(present, k.dumpableBitmap().cardinality(), "2nd bitmap");
                System.out.printf(Locale.ROOT, "%s -z -d 31 with %d unreadable input pages: dump completed, each reported and "
                        + "marked not dumped, %,d other pages equal to the vmcore%n", d.name(), bad.size(), present);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A dump whose physical memory fails to read the given frames, as a bad page of /proc/vmcore would. */
    static final class FaultyInput implements Vmcore {
        private final Vmcore real;
        private final PhysicalMemory memory;

        FaultyInput(Vmcore real, Set<Long> bad) {
            this.real = real;
            PhysicalMemory m = real.physicalMemory();
            this.memory = new PhysicalMemory() {
                @Override
                public int pageSize() {
                    return m.pageSize();
                }

                @Override
                public long endPfn() {
                    return m.endPfn();
                }

                @Override
                public List<PhysicalRange> ranges() {
                    return m.ranges();
                }

                @Override
                public PageStatus status(long pfn) {
                    return m.status(pfn);
                }

                @Override
                public void read(long paddr, byte[] dst, int off, int len) throws IOException {
                    long first = paddr / m.pageSize();
                    long last = (paddr + len - 1) / m.pageSize();
                    for (long p = first; p <= last; p++) {
                        if (bad.contains(p)) {
                            throw new IOException("Input/output error reading PFN " + p);
                        }
                    }
                    m.read(paddr, dst, off, len);
                }
            };
        }

        @Override
        public int dumpLevel() {
            return real.dumpLevel();
        }

        @Override
        public boolean describesMemoryWithLoadSegments() {
            return real.describesMemoryWithLoadSegments();
        }

        @Override
        public Optional<HeaderFacts> headerFacts() {
            return real.headerFacts();
        }

        @Override
        public String formatName() {
            return real.formatName();
        }

        @Override
        public String description() {
            return real.description() + " (with unreadable pages)";
        }

        @Override
        public Architecture architecture() {
            return real.architecture();
        }

        @Override
        public ByteOrder byteOrder() {
            return real.byteOrder();
        }

        @Override
        public Optional<VmcoreInfo> vmcoreInfo() {
            return real.vmcoreInfo();
        }

        @Override
        public List<Note> notes() {
            return real.notes();
        }

        @Override
        public byte[] noteSection() {
            return real.noteSection();
        }

        @Override
        public List<CpuState> cpus() {
            return real.cpus();
        }

        @Override
        public PhysicalMemory physicalMemory() {
            return memory;
        }

        @Override
        public List<VirtualMapping> statedMappings() {
            return real.statedMappings();
        }

        @Override
        public KernelAddressSpace kernelAddressSpace() throws IOException {
            return real.kernelAddressSpace();
        }

        @Override
        public void close() throws IOException {
        }
    }
}
