package org.vmcore4j.core;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;

/**
 * A raw memory image: a file of nothing but memory, whose physical ranges the caller names
 * ({@link OpenOptions#withRawRanges}), as crash's {@code file@address}. It has no notes; its
 * VMCOREINFO is the caller's, or, for an image of a kexec capture, the crashed kernel's, found
 * through the elfcorehdr (see {@link WholeMachineVmcore}).
 */
final class RawImageVmcore implements Vmcore {
    private final RandomAccessSource source;
    private final Architecture architecture;
    private final Optional<VmcoreInfo> vmcoreInfo;
    private final Memory memory;

    RawImageVmcore(RandomAccessSource source, OpenOptions options) throws IOException {
        this.source = source;
        this.architecture = options.architecture().orElse(Architecture.X86_64);
        this.vmcoreInfo = options.vmcoreInfo().isPresent()
                ? Optional.of(VmcoreInfo.parse(options.vmcoreInfo().get().getBytes(StandardCharsets.ISO_8859_1),
                        source.description() + " (VMCOREINFO given at open)", -1))
                : Optional.empty();
        long pageSize = vmcoreInfo.flatMap(i -> i.pageSize().isPresent() ? Optional.of(i.pageSize().getAsLong())
                : Optional.empty()).orElse(4096L);
        if (Long.bitCount(pageSize) != 1 || pageSize < 1024 || pageSize > (1 << 20)) {
            throw new VmcoreFormatException(source.description(), -1, "PAGESIZE " + pageSize + " is no page size");
        }
        this.memory = new Memory(source, (int) pageSize, options.rawRanges().orElseThrow());
    }

    /** The named ranges, sorted; bytes of a frame a range only partly covers read as zeros. */
    private static final class Memory implements PhysicalMemory {
        private final RandomAccessSource source;
        private final int pageSize;
        private final long[] start;
        private final long[] end;
        private final long[] offset;
        private final List<PhysicalRange> ranges = new ArrayList<>();

        Memory(RandomAccessSource source, int pageSize, List<RawRange> given) throws VmcoreFormatException {
            this.source = source;
            this.pageSize = pageSize;
            List<RawRange> sorted = new ArrayList<>(given);
            sorted.sort(Comparator.comparingLong(RawRange::physicalAddress));
            int n = sorted.size();
            start = new long[n];
            end = new long[n];
            offset = new long[n];
            for (int i = 0; i < n; i++) {
                RawRange r = sorted.get(i);
                long len = r.length() == -1 ? source.size() - r.fileOffset() : r.length();
                if (len <= 0 || r.fileOffset() > source.size() || len > source.size() - r.fileOffset()) {
                    throw new VmcoreFormatException(source.description(), r.fileOffset(), String.format(Locale.ROOT,
                            "raw range of %d bytes at file offset 0x%x runs past the end of the %d-byte file",
                            len, r.fileOffset(), source.size()));
                }
                if (r.physicalAddress() > (1L << 60) - len) {
                    throw new VmcoreFormatException(source.description(), r.fileOffset(), "raw range beyond 2^60");
                }
                start[i] = r.physicalAddress();
                end[i] = r.physicalAddress() + len;
                offset[i] = r.fileOffset();
                if (i > 0 && start[i] < end[i - 1]) {
                    throw new VmcoreFormatException(source.description(), r.fileOffset(), String.format(Locale.ROOT,
                            "raw ranges overlap at physical 0x%x", start[i]));
                }
                int last = ranges.size() - 1;
                if (last >= 0 && ranges.get(last).end() == start[i]) {
                    ranges.set(last, new PhysicalRange(ranges.get(last).start(), end[i]));
                } else {
                    ranges.add(new PhysicalRange(start[i], end[i]));
                }
            }
        }

        @Override
        public int pageSize() {
            return pageSize;
        }

        @Override
        public List<PhysicalRange> ranges() {
            return ranges;
        }

        @Override
        public long endPfn() {
            return (end[end.length - 1] + pageSize - 1) / pageSize;
        }

        private int firstEndingAfter(long addr) {
            int i = Arrays.binarySearch(end, addr);
            return i >= 0 ? i + 1 : -i - 1;
        }

        @Override
        public PageStatus status(long pfn) {
            long a = pfn * pageSize;
            int i = firstEndingAfter(a);
            return pfn >= 0 && i < start.length && start[i] < a + pageSize ? PageStatus.PRESENT : PageStatus.NOT_RAM;
        }

        @Override
        public void read(long paddr, byte[] dst, int off, int len) throws IOException {
            long pos = paddr;
            long stop = paddr + len;
            while (pos < stop) {
                int i = firstEndingAfter(pos);
                long frameEnd = Math.min(stop, (pos / pageSize + 1) * pageSize);
                if (i >= start.length || start[i] >= (pos / pageSize + 1) * pageSize) {
                    throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, pos, String.format(Locale.ROOT,
                            "physical address 0x%x is in no range of the raw image %s", pos, source.description()));
                }
                if (start[i] > pos) {
                    long e = Math.min(frameEnd, start[i]);
                    Arrays.fill(dst, off + (int) (pos - paddr), off + (int) (e - paddr), (byte) 0);
                    pos = e;
                    continue;
                }
                long e = Math.min(stop, end[i]);
                source.read(offset[i] + (pos - start[i]), dst, off + (int) (pos - paddr), (int) (e - pos));
                pos = e;
                if (pos < frameEnd && (i + 1 >= start.length || start[i + 1] >= frameEnd)) {
                    Arrays.fill(dst, off + (int) (pos - paddr), off + (int) (frameEnd - paddr), (byte) 0);
                    pos = frameEnd;
                }
            }
        }
    }

    @Override
    public String formatName() {
        return "raw";
    }

    @Override
    public String description() {
        return source.description();
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public ByteOrder byteOrder() {
        return architecture.usualByteOrder();
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    @Override
    public List<Note> notes() {
        return List.of();
    }

    @Override
    public List<CpuState> cpus() {
        return List.of();
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    @Override
    public List<VirtualMapping> statedMappings() {
        return List.of();
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        VmcoreInfo info = vmcoreInfo.orElseThrow(() -> new VmcoreFormatException(description(), -1,
                "a raw image has no VMCOREINFO of its own: give it at open (or the image holds no kexec capture)"));
        return architecture.kernelAddressSpace(memory, info, List.of());
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    @Override
    public String toString() {
        return "raw memory image " + description() + " " + memory.ranges();
    }
}
