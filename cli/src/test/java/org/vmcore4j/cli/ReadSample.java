package org.vmcore4j.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.X86_64AddressSpace;

/**
 * The reads {@link ReadConformanceCorpusTest} asks both readers for, as {@code vmcore4j read
 * --addresses} lines: physical reads at RAM starts and ends, across page boundaries and range ends,
 * in holes, past the last frame and in pages a filtered copy excludes; kernel-virtual reads in the
 * direct map (the same physical sample), the kernel image, around each CPU's stack pointer and
 * vmalloc areas, the struct page array, and addresses no kernel maps.
 */
final class ReadSample {
    private final Random random;
    private final int pageSize;
    private final List<Long> pagesBelowMappings = new ArrayList<>();
    final List<String> lines = new ArrayList<>();

    private ReadSample(long seed, int pageSize) {
        this.random = new Random(seed);
        this.pageSize = pageSize;
    }

    /**
     * {@code count} physical and {@code count} kernel-virtual reads of {@code elf} (an unfiltered
     * vmcore, whose PT_LOADs state the direct map and the kernel image), with excluded pages taken
     * from {@code filtered} (the same crash at -d 31).
     */
    static ReadSample of(Vmcore elf, Vmcore filtered, int count, long seed) throws IOException {
        PhysicalMemory mem = elf.physicalMemory();
        ReadSample s = new ReadSample(seed, mem.pageSize());
        for (VirtualMapping m : elf.statedMappings()) {
            s.pagesBelowMappings.add((m.virtualAddress() & -(long) mem.pageSize()) - mem.pageSize());
        }
        List<long[]> physical = s.physical(mem, filtered.physicalMemory(), count);
        for (long[] r : physical) {
            s.add("", r[0], r[1]);
        }
        s.virtual(elf, physical, count);
        return s;
    }

    private void add(String prefix, long address, long length) {
        if (!prefix.isEmpty() && touchesPageBelowMapping(address, length)) {
            return; // libkdumpfile zero-fills those pages (see ReadConformanceCorpusTest)
        }
        lines.add(String.format(Locale.ROOT, "%s0x%x %d", prefix, address, length));
    }

    private boolean touchesPageBelowMapping(long address, long length) {
        long first = address & -(long) pageSize;
        long last = (address + Math.max(length, 1) - 1) & -(long) pageSize;
        for (long p : pagesBelowMappings) {
            if (Long.compareUnsigned(p, first) >= 0 && Long.compareUnsigned(p, last) <= 0) {
                return true;
            }
        }
        return false;
    }

    /** A length: mostly small, some a few hundred bytes, a tenth up to two pages. */
    private long length() {
        int k = random.nextInt(100);
        if (k < 3) {
            return 0;
        }
        if (k < 55) {
            return 1 + random.nextInt(32);
        }
        if (k < 90) {
            return 33 + random.nextInt(480);
        }
        return 513 + random.nextInt(2 * pageSize - 512);
    }

    private long below(long bound) {
        return (random.nextLong() & Long.MAX_VALUE) % Math.max(1, bound);
    }

    private List<long[]> physical(PhysicalMemory mem, PhysicalMemory filtered, int count) {
        List<long[]> out = new ArrayList<>();
        List<PhysicalRange> ranges = mem.ranges();
        long end = mem.endPfn() * pageSize;
        for (PhysicalRange r : ranges) {
            out.add(new long[] {r.start(), 16});
            out.add(new long[] {r.start(), 1});
            out.add(new long[] {r.end() - 16, 16});
            out.add(new long[] {r.end() - 8, 16});
            out.add(new long[] {Math.max(0, r.start() - 8), 16});
            out.add(new long[] {r.end() - 100, 2 * pageSize});
        }
        out.add(new long[] {end, 16});
        out.add(new long[] {end - 8, 16});
        out.add(new long[] {0xffff_ffff_f000L, 32});
        // excluded pages of the filtered copy, and reads crossing into and out of them
        List<Long> excluded = new ArrayList<>();
        for (int tries = 0; tries < 200_000 && excluded.size() < count / 5; tries++) {
            long pfn = below(mem.endPfn());
            if (filtered.status(pfn) == PageStatus.EXCLUDED) {
                excluded.add(pfn);
            }
        }
        for (long pfn : excluded) {
            int k = random.nextInt(3);
            long at = k == 0 ? pfn * pageSize + below(pageSize) : k == 1 ? pfn * pageSize - 1 - below(64)
                    : (pfn + 1) * pageSize - 1 - below(64);
            out.add(new long[] {at, 1 + below(k == 0 ? 64 : 256)});
        }
        while (out.size() < count) {
            int k = random.nextInt(10);
            if (k < 2) { // a hole between ranges, or past the last frame
                int i = random.nextInt(ranges.size());
                long from = ranges.get(i).end();
                long to = i + 1 < ranges.size() ? ranges.get(i + 1).start() : end + (64L << 20);
                if (to > from) {
                    out.add(new long[] {from + below(to - from), length()});
                }
            } else if (k < 5) { // across a page boundary in RAM
                PhysicalRange r = ranges.get(random.nextInt(ranges.size()));
                long boundary = (r.start() + below(r.size())) & -(long) pageSize;
                long back = 1 + below(64);
                out.add(new long[] {boundary - back, back + 1 + below(64)});
            } else { // anywhere in RAM
                PhysicalRange r = ranges.get(random.nextInt(ranges.size()));
                out.add(new long[] {r.start() + below(r.size()), length()});
            }
        }
        return out.subList(0, count);
    }

    private void virtual(Vmcore elf, List<long[]> physical, int count) throws IOException {
        KernelAddressSpace kas = elf.kernelAddressSpace();
        VmcoreInfo info = elf.vmcoreInfo().orElseThrow();
        List<VirtualMapping> mappings = elf.statedMappings();
        // the direct map: the largest PT_LOAD's offset (RAM; the kernel image is the smaller one)
        VirtualMapping ram = mappings.stream().max((a, b) -> Long.compare(a.size(), b.size())).orElseThrow();
        long directMap = ram.virtualAddress() - ram.physicalAddress();
        int start = lines.size();
        for (int i = 0; i < count / 2; i++) {
            long[] r = physical.get(random.nextInt(physical.size()));
            add("KVADDR:", directMap + r[0], r[1]);
        }
        for (VirtualMapping m : mappings) {
            if (m.virtualAddress() - m.physicalAddress() == directMap) {
                continue;
            }
            // the kernel image: its ends, and inside it
            add("KVADDR:", m.virtualAddress(), 64);
            add("KVADDR:", m.virtualAddress() - 8, 16);
            add("KVADDR:", m.virtualAddress() + m.size() - 8, 16);
            for (int i = 0; i < count / 10; i++) {
                add("KVADDR:", m.virtualAddress() + below(m.size()), length());
            }
        }
        List<Long> vmalloc = new ArrayList<>();
        for (CpuState c : elf.cpus()) {
            for (String sp : List.of("rsp", "sp")) {
                c.register(sp).ifPresent(vmalloc::add);
            }
        }
        if (info.symbol("vmap_area_list").isPresent() && info.offset("vmap_area.list").isPresent()
                && info.offset("vmap_area.va_start").isPresent()) {
            long head = info.symbol("vmap_area_list").getAsLong();
            long listOff = info.offset("vmap_area.list").getAsLong();
            long startOff = info.offset("vmap_area.va_start").getAsLong();
            long node = kas.readPointer(head);
            for (int i = 0; i < 400 && node != head; i++) {
                vmalloc.add(kas.readPointer(node - listOff + startOff));
                node = kas.readPointer(node);
            }
        }
        for (int i = 0; i < count / 10 && !vmalloc.isEmpty(); i++) {
            long base = vmalloc.get(random.nextInt(vmalloc.size()));
            add("KVADDR:", base - (64 << 10) + below(128 << 10), length());
        }
        OptionalLong vmemmap = kas instanceof X86_64AddressSpace x ? x.vmemmapBase() : info.symbol("vmemmap");
        long structPage = info.size("page").orElse(64);
        for (int i = 0; vmemmap.isPresent() && i < count / 10; i++) {
            long pfn = below(elf.physicalMemory().endPfn() + 4096);
            add("KVADDR:", vmemmap.getAsLong() + pfn * structPage + below(structPage), length());
        }
        long[] unmapped = {0x1000, 0x7fff_ffff_f000L, 0x0000_8000_0000_0000L, 0xffff_8000_0000_0000L,
            0xffff_ffff_ff60_0000L, 0xffff_ffff_ffff_f000L};
        for (long a : unmapped) {
            add("KVADDR:", a, 32);
        }
        while (lines.size() - start < count) {
            long[] r = physical.get(random.nextInt(physical.size()));
            add("KVADDR:", directMap + r[0], r[1]);
        }
    }
}
