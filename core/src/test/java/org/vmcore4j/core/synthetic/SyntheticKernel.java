package org.vmcore4j.core.synthetic;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.testdata.ElfCoreBuilder;

/**
 * A tiny x86_64 "crashed kernel": physical memory with real page tables, a KASLR-displaced kernel
 * image, a direct map, a vmalloc area backed by scattered pages, an {@code init_uts_ns}, and the
 * VMCOREINFO text that describes it. Tests place kernel data in it through their own bookkeeping
 * of virtual pages (never through the code under test), then read it back through
 * {@link X86_64AddressSpace}, or write it as an ELF vmcore for makedumpfile.
 *
 * <p>Physical layout: the image at 2 MiB (one 2 MiB page, as the kernel maps its image), page
 * tables from 4 MiB, heap (direct-map allocations and vmalloc backing) from 5 MiB to the end.
 */
public final class SyntheticKernel {
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;
    public static final long IMAGE_PHYS = 0x200000;
    public static final long IMAGE_SIZE = 0x200000;
    public static final long TABLES_PHYS = 0x400000;
    public static final long HEAP_PHYS = 0x500000;

    private final ArrayPhysicalMemory memory;
    private final PageTableBuilder tables;
    private final String release;
    private final long kaslr;
    private final long pageOffset;
    private final long vmallocBase;
    private final long sme;
    private final Map<Long, Long> pages = new LinkedHashMap<>(); // virtual 4 KiB page -> physical page
    private final List<String> extraInfo = new ArrayList<>();
    private long imageNext;
    private long heapNext = HEAP_PHYS;
    private long vmallocNext;
    private final long utsName;

    /** A 4-level kernel of release {@code release} with {@code memSize} bytes of RAM (at least 8 MiB). */
    public SyntheticKernel(int memSize, String release) {
        this(memSize, release, 4, 0);
    }

    public SyntheticKernel(int memSize, String release, int levels, long smeMask) {
        this.memory = new ArrayPhysicalMemory(memSize);
        this.release = release;
        this.sme = smeMask;
        this.kaslr = 0x2a000000L;
        this.pageOffset = levels == 5 ? 0xff11200000000000L : 0xffff9d5e40000000L;
        this.vmallocBase = levels == 5 ? 0xffa0000000000000L : 0xffffc90000000000L;
        this.vmallocNext = vmallocBase;
        this.tables = new PageTableBuilder(memory, levels, TABLES_PHYS, HEAP_PHYS, smeMask);
        tables.map(imageStart(), IMAGE_PHYS, 21);
        // the direct map of all RAM, with 2 MiB pages as the kernel sets it up
        tables.mapRange(pageOffset, 0, memSize & -(1L << 21), 21);
        for (long o = 0; o < IMAGE_SIZE; o += 4096) {
            pages.put(imageStart() + o, IMAGE_PHYS + o);
        }
        for (long o = 0; o < memSize; o += 4096) {
            pages.put(pageOffset + o, o);
        }
        // the page tables themselves live in the image, as init_top_pgt does
        imageNext = imageStart() + 0x10000;
        long utsNs = imageAlloc(512, 64);
        utsName = utsNs + 4; // struct kref first, as kernels before 4.x (OFFSET(uts_namespace.name)=4)
        String[] fields = {"Linux", "synthetic", release, "#1 SMP", "x86_64", "(none)"};
        for (int i = 0; i < fields.length; i++) {
            putBytes(utsName + 65L * i, fields[i].getBytes(StandardCharsets.US_ASCII));
        }
        // what makedumpfile's initial() wants to see of the memory model (FLATMEM, the simplest)
        long memMap = imageAlloc(8, 8);
        putLong(memMap, heapAlloc(64 * (memSize / 4096), 64));
        info("SYMBOL(mem_map)=" + Long.toHexString(memMap));
        info("SIZE(page)=64");
        info("OFFSET(page.flags)=0");
        info("OFFSET(page._refcount)=52");
        info("OFFSET(page.mapping)=24");
    }

    public long imageStart() {
        return START_KERNEL_MAP + kaslr;
    }

    public long physBase() {
        return IMAGE_PHYS - kaslr;
    }

    public long pageOffset() {
        return pageOffset;
    }

    public ArrayPhysicalMemory memory() {
        return memory;
    }

    public PageTableBuilder tables() {
        return tables;
    }

    public long rootTableSymbol() {
        return imageStart() + (tables.root() - IMAGE_PHYS);
    }

    /** Adds a VMCOREINFO line. */
    public void info(String line) {
        extraInfo.add(line);
    }

    /** Removes the VMCOREINFO lines starting with {@code prefix} (to model kernels that lack them). */
    public void removeInfo(String prefix) {
        extraInfo.removeIf(l -> l.startsWith(prefix));
    }

    /** Allocates a kernel-image variable; returns its virtual address. */
    public long imageAlloc(long size, long align) {
        long v = (imageNext + align - 1) & -align;
        if (v + size > imageStart() + IMAGE_SIZE) {
            throw new IllegalStateException("image full");
        }
        imageNext = v + size;
        return v;
    }

    /** Allocates from the direct map (kmalloc/memblock); returns its virtual address. */
    public long heapAlloc(long size, long align) {
        long p = (heapNext + align - 1) & -align;
        if (p + size > memory.size()) {
            throw new IllegalStateException("heap full");
        }
        heapNext = p + size;
        return pageOffset + p;
    }

    /**
     * Allocates {@code size} bytes of vmalloc space backed by physical pages taken from the heap in
     * reverse order, so virtually contiguous pages are physically scattered.
     */
    public long vmalloc(long size) {
        long n = (size + 4095) / 4096;
        long base = vmallocNext;
        long[] phys = new long[(int) n];
        for (int i = 0; i < n; i++) {
            phys[i] = heapAlloc(4096, 4096) - pageOffset;
        }
        for (int i = 0; i < n; i++) {
            long v = base + 4096L * i;
            long p = phys[(int) n - 1 - i];
            tables.map(v, p, 12);
            pages.put(v, p);
        }
        vmallocNext = base + 4096 * (n + 1); // a guard page, as vmalloc leaves
        return base;
    }

    /** The physical address of {@code vaddr} by this kernel's own bookkeeping. */
    public long phys(long vaddr) {
        Long p = pages.get(vaddr & -4096L);
        if (p == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "0x%x is not mapped in the synthetic kernel", vaddr));
        }
        return p + (vaddr & 4095);
    }

    public void putBytes(long vaddr, byte[] b) {
        for (int i = 0; i < b.length; i++) {
            memory.putByte(phys(vaddr + i), b[i]);
        }
    }

    public void putLong(long vaddr, long v) {
        for (int i = 0; i < 8; i++) {
            memory.putByte(phys(vaddr + i), (int) (v >>> (8 * i)));
        }
    }

    public void putInt(long vaddr, long v) {
        for (int i = 0; i < 4; i++) {
            memory.putByte(phys(vaddr + i), (int) (v >>> (8 * i)));
        }
    }

    public void putShort(long vaddr, int v) {
        memory.putByte(phys(vaddr), v);
        memory.putByte(phys(vaddr + 1), v >>> 8);
    }

    public void putByte(long vaddr, int v) {
        memory.putByte(phys(vaddr), v);
    }

    /** The VMCOREINFO text this kernel would have written. */
    public String vmcoreInfoText() {
        StringBuilder sb = new StringBuilder();
        sb.append("OSRELEASE=").append(release).append('\n');
        sb.append("PAGESIZE=4096\n");
        sb.append("SYMBOL(init_uts_ns)=").append(Long.toHexString(utsName - 4)).append('\n');
        sb.append("OFFSET(uts_namespace.name)=4\n");
        for (String line : extraInfo) {
            sb.append(line).append('\n');
        }
        sb.append("NUMBER(phys_base)=").append(physBase()).append('\n');
        sb.append("SYMBOL(init_top_pgt)=").append(Long.toHexString(rootTableSymbol())).append('\n');
        sb.append("NUMBER(pgtable_l5_enabled)=").append(tables.levels() == 5 ? 1 : 0).append('\n');
        sb.append("KERNELOFFSET=").append(Long.toHexString(kaslr)).append('\n');
        sb.append("NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n");
        sb.append("NUMBER(sme_mask)=").append(sme).append('\n');
        sb.append("CRASHTIME=1700000000\n");
        return sb.toString();
    }

    public VmcoreInfo vmcoreInfo() throws VmcoreFormatException {
        return VmcoreInfo.parse(vmcoreInfoText(), "synthetic " + release);
    }

    /** The PT_LOADs a kdump ELF core of this machine states: kernel text, then the direct map. */
    public List<VirtualMapping> mappings() {
        return List.of(new VirtualMapping(imageStart(), IMAGE_PHYS, IMAGE_SIZE),
                new VirtualMapping(pageOffset, 0, memory.size()));
    }

    public X86_64AddressSpace space() throws IOException {
        return X86_64AddressSpace.create(memory, vmcoreInfo(), mappings());
    }

    /**
     * Writes this machine as an ELF64 kdump core (VMCOREINFO note, PT_LOADs of {@link #mappings()}),
     * with testdata's {@link ElfCoreBuilder}, the one ELF core builder of the tests.
     */
    public void writeElf(Path file) throws IOException {
        ElfCoreBuilder elf = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).vmcoreInfo(vmcoreInfoText());
        byte[] physical = memory.bytes();
        for (VirtualMapping m : mappings()) {
            int from = Math.toIntExact(m.physicalAddress());
            elf.load(m.physicalAddress(), m.virtualAddress(),
                    Arrays.copyOfRange(physical, from, Math.toIntExact(from + m.size())));
        }
        Files.write(file, elf.build().bytes());
    }
}
