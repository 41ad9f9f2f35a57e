package org.vmcore4j.filter;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/**
 * A {@link Vmcore} over byte arrays for tests: sparse physical pages (absent pages read as zeros),
 * RAM ranges, optional frames without data, and a kernel address space made of linear mappings plus
 * page-by-page mappings. Little-endian x86_64.
 */
final class FakeDump implements Vmcore {
    static final int PAGE = 4096;

    final Map<Long, byte[]> pages = new HashMap<>();
    /**
     * Cheap page contents for frames without an entry in {@link #pages}: if {@code marks[pfn] != 0} the
     * page is zeros except byte {@code marks[pfn] >>> 8} (an offset) which is {@code marks[pfn] & 0xff}.
     */
    long[] marks = new long[0];
    final List<PhysicalRange> ranges = new ArrayList<>();
    /** Frames inside a range whose data the dump lacks (status EXCLUDED, read as zeros). */
    final BitSet noData = new BitSet();
    final List<VirtualMapping> mappings = new ArrayList<>();
    /** Linear translations {vstart, pstart, length} that are not stated mappings (e.g. nothing by default). */
    final List<long[]> linear = new ArrayList<>();
    final Map<Long, Long> pageMap = new HashMap<>();
    String vmcoreInfoText;
    /** "elf" by default: segments are counted per stated mapping as for ELF vmcores. */
    String formatName = "elf";
    long readCount;

    // ---- building ----------------------------------------------------------------------------------

    byte[] page(long pfn) {
        return pages.computeIfAbsent(pfn, k -> new byte[PAGE]);
    }

    void putLong(long paddr, long v) {
        byte[] p = page(paddr / PAGE);
        int off = (int) (paddr % PAGE);
        for (int i = 0; i < 8; i++) {
            p[off + i] = (byte) (v >>> (8 * i));
        }
    }

    void putInt(long paddr, int v) {
        byte[] p = page(paddr / PAGE);
        int off = (int) (paddr % PAGE);
        for (int i = 0; i < 4; i++) {
            p[off + i] = (byte) (v >>> (8 * i));
        }
    }

    void putByte(long paddr, int v) {
        page(paddr / PAGE)[(int) (paddr % PAGE)] = (byte) v;
    }

    /** Makes frame {@code pfn} zeros except one non-zero byte, without storing the page. */
    void mark(long pfn, int offset, int value) {
        if (pfn >= marks.length) {
            marks = Arrays.copyOf(marks, (int) Math.max(pfn + 1, marks.length * 2L));
        }
        marks[(int) pfn] = ((long) offset << 8) | (value & 0xff);
    }

    /** Whether frame {@code pfn} reads as all zeros. */
    boolean isZero(long pfn) {
        if (noData.get((int) pfn)) {
            return true;
        }
        byte[] b = pages.get(pfn);
        if (b == null) {
            return pfn >= marks.length || marks[(int) pfn] == 0;
        }
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Maps the 4 KiB virtual page containing {@code vaddr} to physical frame {@code pfn}. */
    void mapPage(long vaddr, long pfn) {
        pageMap.put(vaddr >>> 12, pfn);
    }

    // ---- Vmcore ------------------------------------------------------------------------------------

    @Override
    public String formatName() {
        return formatName;
    }

    @Override
    public boolean describesMemoryWithLoadSegments() {
        return "elf".equals(formatName);
    }

    @Override
    public String description() {
        return "fake-dump";
    }

    @Override
    public Architecture architecture() {
        return Architecture.X86_64;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        if (vmcoreInfoText == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(VmcoreInfo.parse(vmcoreInfoText, "fake-dump"));
        } catch (VmcoreFormatException e) {
            throw new IllegalStateException(e);
        }
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
        return mappings;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() {
        return kas;
    }

    @Override
    public void close() {
    }

    private final PhysicalMemory memory = new PhysicalMemory() {
        @Override
        public int pageSize() {
            return PAGE;
        }

        @Override
        public List<PhysicalRange> ranges() {
            return ranges;
        }

        @Override
        public long endPfn() {
            long end = 0;
            for (PhysicalRange r : ranges) {
                end = Math.max(end, r.end());
            }
            return (end + PAGE - 1) / PAGE;
        }

        @Override
        public PageStatus status(long pfn) {
            long from = pfn * PAGE;
            long to = from + PAGE;
            for (PhysicalRange r : ranges) {
                if (r.start() < to && r.end() > from) {
                    return noData.get((int) pfn) ? PageStatus.EXCLUDED : PageStatus.PRESENT;
                }
            }
            return PageStatus.NOT_RAM;
        }

        @Override
        public void read(long paddr, byte[] dst, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, dst.length);
            readCount++;
            while (len > 0) {
                long pfn = paddr / PAGE;
                if (status(pfn) == PageStatus.NOT_RAM) {
                    throw new MemoryAccessException(MemoryAccessException.Reason.NOT_RAM, paddr,
                            String.format(Locale.ROOT, "physical 0x%x is not RAM", paddr));
                }
                int in = (int) (paddr % PAGE);
                int n = Math.min(len, PAGE - in);
                byte[] p = noData.get((int) pfn) ? null : pages.get(pfn);
                if (p == null) {
                    Arrays.fill(dst, off, off + n, (byte) 0);
                    long m = !noData.get((int) pfn) && pfn < marks.length ? marks[(int) pfn] : 0;
                    int at = (int) (m >>> 8);
                    if (m != 0 && at >= in && at < in + n) {
                        dst[off + at - in] = (byte) m;
                    }
                } else {
                    System.arraycopy(p, in, dst, off, n);
                }
                paddr += n;
                off += n;
                len -= n;
            }
        }
    };

    private final KernelAddressSpace kas = new KernelAddressSpace() {
        @Override
        public PhysicalMemory physicalMemory() {
            return memory;
        }

        @Override
        public ByteOrder byteOrder() {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        public int pointerSize() {
            return 8;
        }

        @Override
        public long toPhysical(long vaddr) throws IOException {
            Long pfn = pageMap.get(vaddr >>> 12);
            if (pfn != null) {
                return pfn * PAGE + (vaddr & 0xfff);
            }
            for (VirtualMapping m : mappings) {
                long d = vaddr - m.virtualAddress();
                if (Long.compareUnsigned(d, m.size()) < 0) {
                    return m.physicalAddress() + d;
                }
            }
            for (long[] l : linear) {
                long d = vaddr - l[0];
                if (Long.compareUnsigned(d, l[2]) < 0) {
                    return l[1] + d;
                }
            }
            throw new MemoryAccessException(MemoryAccessException.Reason.NOT_MAPPED, vaddr,
                    String.format(Locale.ROOT, "virtual 0x%x is not mapped", vaddr));
        }
    };
}
