package org.vmcore4j.testdata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where everything lies in the physical memory of a {@link LargeVmcore}: an x86_64 Linux 6.12 machine
 * of N GiB without KASLR, as the kernel lays it out and /proc/vmcore shows it.
 *
 * <ul>
 * <li>RAM: {@code [1 MiB, 3 GiB)} and {@code [4 GiB, N+1 GiB)} (the PCI hole below 4 GiB), or
 * {@code [1 MiB, N GiB)} for N up to 3; the first MiB is reserved and not in the dump, as kexec
 * leaves it.</li>
 * <li>The kernel image at 16 MiB (44 MiB, the size of Debian's 6.12 image), mapped at
 * {@code __START_KERNEL_map + 16 MiB} with phys_base 0; {@code init_top_pgt} and {@code init_uts_ns}
 * are in it.</li>
 * <li>SPARSEMEM_VMEMMAP with 128 MiB sections (SECTION_SIZE_BITS 27, MAX_PHYSMEM_BITS 46,
 * SPARSEMEM_EXTREME: 4096 roots of 128 sections); the vmemmap at {@code 0xffffea0000000000}, one 2 MiB
 * PMD mapping per present section, backed by memblock allocations at the top of RAM, as
 * vmemmap_populate does with huge pages; the root array, the section pages, the vmemmap PUD and PMD
 * pages just below them.</li>
 * </ul>
 * The kernel page tables are the ones makedumpfile 1.7.9 walks for every virtual address it reads
 * (it translates the direct map and the kernel text through them too): {@code init_top_pgt} with
 * the direct map in 1 GiB pages (a PUD page from memblock), the kernel text in 2 MiB pages
 * ({@code level3_kernel_pgt} and {@code level2_kernel_pgt}, in the image beside {@code init_top_pgt}),
 * and the vmemmap in 2 MiB pages. Nothing else of the kernel's address space is mapped.
 */
final class LargeVmcoreLayout {
    static final long PAGE_OFFSET = 0xffff888000000000L;
    static final long VMEMMAP = 0xffffea0000000000L;
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    static final long KERNEL_PHYS = 0x1000000L;
    static final long KERNEL_SIZE = 0x2c00000L;
    static final int SECTION_SHIFT = 15;
    static final int SECTION_PAGES = 1 << SECTION_SHIFT;
    static final int SECTIONS_PER_ROOT = 4096 / 32;
    static final int NR_SECTION_ROOTS = (1 << (46 - 27)) / SECTIONS_PER_ROOT;
    static final String RELEASE = "6.12.118+deb12-amd64";
    /** Page-table entry bits: present, writable, accessed, dirty (_KERNPG_TABLE); PSE and global for 2 MiB; NX. */
    private static final long KERNPG_TABLE = 0x63;
    private static final long LARGE_PAGE = 0x1e3L | (1L << 63);
    /** The kernel text's large pages: executable (no NX). */
    private static final long TEXT_PAGE = 0x1e3L;

    final int gib;
    /** RAM frame ranges {start, end) in the dump, ascending. */
    final List<long[]> ram = new ArrayList<>();
    final long maxPfn;
    final int sectionCount;
    /** Backing frame of each section's 2 MiB of struct pages, or -1 for an absent section. */
    final long[] backingPfn;
    final long memblockStart;
    final long rootArrayPfn;
    final long sectionPagesPfn;
    final int rootsUsed;
    final long pudPfn;
    final long pmdPfn;
    final int pmdPages;
    final long directPudPfn;
    final long smallAreaEnd;
    final long pgdPfn = (KERNEL_PHYS >>> 12) + 0x2000;
    final long utsPfn = (KERNEL_PHYS >>> 12) + 0x2100;
    /** Frames whose whole content the layout dictates (kernel tables), by pfn. */
    final Map<Long, byte[]> tablePages = new TreeMap<>();

    LargeVmcoreLayout(int gib) {
        if (gib < 1 || gib > 4096) {
            throw new IllegalArgumentException("RAM of " + gib + " GiB");
        }
        this.gib = gib;
        long g = 1L << 18;
        if (gib <= 3) {
            ram.add(new long[] {0x100, gib * g});
        } else {
            ram.add(new long[] {0x100, 3 * g});
            ram.add(new long[] {4 * g, (gib + 1) * g});
        }
        maxPfn = ram.get(ram.size() - 1)[1];
        sectionCount = (int) ((maxPfn + SECTION_PAGES - 1) >>> SECTION_SHIFT);
        backingPfn = new long[sectionCount];
        int present = 0;
        for (int s = 0; s < sectionCount; s++) {
            backingPfn[s] = sectionHasRam(s) || s == 0 ? 0 : -1;
            present += backingPfn[s] == 0 ? 1 : 0;
        }
        long next = maxPfn - (long) present * 512;
        memblockStart = next - 512;
        for (int s = 0; s < sectionCount; s++) {
            if (backingPfn[s] == 0) {
                backingPfn[s] = next;
                next += 512;
            }
        }
        rootsUsed = (sectionCount + SECTIONS_PER_ROOT - 1) / SECTIONS_PER_ROOT;
        pmdPages = (sectionCount + 511) / 512;
        rootArrayPfn = memblockStart;
        sectionPagesPfn = rootArrayPfn + NR_SECTION_ROOTS * 8 / 4096;
        pudPfn = sectionPagesPfn + rootsUsed;
        pmdPfn = pudPfn + 1;
        directPudPfn = pmdPfn + pmdPages;
        smallAreaEnd = directPudPfn + 1;
        buildTables();
    }

    private boolean sectionHasRam(int s) {
        long from = (long) s << SECTION_SHIFT;
        long to = from + SECTION_PAGES;
        for (long[] r : ram) {
            if (r[0] < to && r[1] > from) {
                return true;
            }
        }
        return false;
    }

    boolean inRam(long pfn) {
        for (long[] r : ram) {
            if (pfn >= r[0] && pfn < r[1]) {
                return true;
            }
        }
        return false;
    }

    /** What the kernel put in frame {@code pfn} outside the page allocator, or null for an allocator frame. */
    Special special(long pfn) {
        if (!inRam(pfn)) {
            return Special.NOT_IN_DUMP;
        }
        if (pfn >= KERNEL_PHYS >>> 12 && pfn < (KERNEL_PHYS + KERNEL_SIZE) >>> 12) {
            return Special.KERNEL_IMAGE;
        }
        if (pfn >= memblockStart && pfn < smallAreaEnd) {
            return Special.TABLE;
        }
        if (pfn >= backingPfnStart()) {
            return Special.VMEMMAP;
        }
        return null;
    }

    long backingPfnStart() {
        return memblockStart + 512;
    }

    /** Whether any frame of {@code [from, to)} is special. */
    boolean anySpecial(long from, long to) {
        boolean inside = false;
        for (long[] r : ram) {
            inside |= from >= r[0] && to <= r[1];
        }
        return !inside || overlaps(from, to, KERNEL_PHYS >>> 12, (KERNEL_PHYS + KERNEL_SIZE) >>> 12)
                || overlaps(from, to, memblockStart, smallAreaEnd) || to > backingPfnStart();
    }

    private static boolean overlaps(long a, long b, long c, long d) {
        return a < d && c < b;
    }

    enum Special { NOT_IN_DUMP, KERNEL_IMAGE, TABLE, VMEMMAP }

    private byte[] table(long pfn) {
        return tablePages.computeIfAbsent(pfn, p -> new byte[4096]);
    }

    private static void put(byte[] page, int index, long value) {
        ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).putLong(index * 8, value);
    }

    /** init_top_pgt, the vmemmap PUD and PMDs, the mem_section roots and sections, init_uts_ns. */
    private void buildTables() {
        put(table(pgdPfn), (int) ((VMEMMAP >>> 39) & 511), (pudPfn << 12) | KERNPG_TABLE);
        put(table(pgdPfn), (int) ((PAGE_OFFSET >>> 39) & 511), (directPudPfn << 12) | KERNPG_TABLE);
        for (long gb = 0; gb << 18 < maxPfn; gb++) {
            for (int s = 0; s < 8; s++) {
                if (sectionHasRam((int) (gb << 3) + s)) {
                    put(table(directPudPfn), (int) gb, (gb << 30) | LARGE_PAGE);
                }
            }
        }
        long textPud = pgdPfn + 1;
        long textPmd = pgdPfn + 2;
        put(table(pgdPfn), 511, (textPud << 12) | KERNPG_TABLE);
        put(table(textPud), (int) ((START_KERNEL_MAP >>> 30) & 511), (textPmd << 12) | KERNPG_TABLE);
        for (long off = 0; off < KERNEL_PHYS + KERNEL_SIZE; off += 1 << 21) {
            put(table(textPmd), (int) (off >>> 21), off | TEXT_PAGE);
        }
        for (int i = 0; i < pmdPages; i++) {
            put(table(pudPfn), i, ((pmdPfn + i) << 12) | KERNPG_TABLE);
        }
        for (int s = 0; s < sectionCount; s++) {
            if (backingPfn[s] >= 0) {
                put(table(pmdPfn + s / 512), s % 512, (backingPfn[s] << 12) | LARGE_PAGE);
            }
        }
        for (int r = 0; r < 8; r++) {
            table(rootArrayPfn + r);
        }
        for (int r = 0; r < rootsUsed; r++) {
            put(table(rootArrayPfn + r / 512), r % 512, PAGE_OFFSET + ((sectionPagesPfn + r) << 12));
            byte[] sections = table(sectionPagesPfn + r);
            for (int i = 0; i < SECTIONS_PER_ROOT; i++) {
                int s = r * SECTIONS_PER_ROOT + i;
                if (s < sectionCount && backingPfn[s] >= 0) {
                    // section_mem_map: the vmemmap base (mem_map minus the section's first pfn) with
                    // SECTION_MARKED_PRESENT, HAS_MEM_MAP, IS_ONLINE and IS_EARLY
                    put(sections, i * 4, VMEMMAP | 0xf);
                }
            }
        }
        byte[] uts = new byte[4096];
        String[] fields = {"Linux", "vmcore4j-synthetic", RELEASE, "#1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1",
            "x86_64", "(none)"};
        for (int i = 0; i < fields.length; i++) {
            byte[] f = fields[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(f, 0, uts, 65 * i, f.length);
        }
        tablePages.put(utsPfn, uts);
    }

    long kernelVirt(long pfn) {
        return START_KERNEL_MAP + (pfn << 12);
    }

    /** The VMCOREINFO a Debian 6.12 kernel writes, with this layout's addresses. */
    String vmcoreInfo() {
        StringBuilder sb = new StringBuilder();
        line(sb, "OSRELEASE=%s", RELEASE);
        line(sb, "PAGESIZE=4096");
        line(sb, "SYMBOL(init_uts_ns)=%x", kernelVirt(utsPfn));
        line(sb, "OFFSET(uts_namespace.name)=0");
        line(sb, "SYMBOL(swapper_pg_dir)=%x", kernelVirt(pgdPfn));
        line(sb, "SYMBOL(_stext)=%x", kernelVirt(KERNEL_PHYS >>> 12));
        line(sb, "NUMBER(VMALLOC_START)=0xffffc90000000000");
        line(sb, "SYMBOL(vmemmap)=%x", VMEMMAP);
        line(sb, "SYMBOL(mem_section)=%x", PAGE_OFFSET + (rootArrayPfn << 12));
        line(sb, "LENGTH(mem_section)=%d", NR_SECTION_ROOTS);
        line(sb, "SIZE(mem_section)=32");
        line(sb, "OFFSET(mem_section.section_mem_map)=0");
        line(sb, "NUMBER(SECTION_SIZE_BITS)=27");
        line(sb, "NUMBER(MAX_PHYSMEM_BITS)=46");
        sb.append("SIZE(page)=64\nSIZE(pglist_data)=174464\nSIZE(zone)=1536\nSIZE(free_area)=88\nSIZE(list_head)=16\n");
        sb.append("SIZE(nodemask_t)=128\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n");
        sb.append("OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n");
        sb.append("OFFSET(page.compound_head)=8\nOFFSET(pglist_data.node_zones)=0\n");
        sb.append("OFFSET(pglist_data.nr_zones)=171552\nOFFSET(pglist_data.node_start_pfn)=171560\n");
        sb.append("OFFSET(pglist_data.node_spanned_pages)=171576\nOFFSET(pglist_data.node_id)=171584\n");
        sb.append("OFFSET(zone.free_area)=256\nOFFSET(zone.vm_stat)=1344\nOFFSET(zone.spanned_pages)=160\n");
        sb.append("OFFSET(free_area.free_list)=0\nOFFSET(list_head.next)=0\nOFFSET(list_head.prev)=8\n");
        sb.append("LENGTH(zone.free_area)=11\nLENGTH(free_area.free_list)=5\nNUMBER(NR_FREE_PAGES)=0\n");
        line(sb, "NUMBER(PG_lru)=%d", PageMix.PG_LRU);
        line(sb, "NUMBER(PG_private)=%d", PageMix.PG_PRIVATE);
        line(sb, "NUMBER(PG_swapcache)=10");
        line(sb, "NUMBER(PG_swapbacked)=%d", PageMix.PG_SWAPBACKED);
        line(sb, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d", PageMix.TYPE_SLAB);
        line(sb, "NUMBER(PG_hwpoison)=20");
        line(sb, "NUMBER(PG_head_mask)=64");
        line(sb, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", PageMix.TYPE_BUDDY);
        line(sb, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592");
        line(sb, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240");
        line(sb, "NUMBER(phys_base)=0");
        line(sb, "SYMBOL(init_top_pgt)=%x", kernelVirt(pgdPfn));
        line(sb, "NUMBER(pgtable_l5_enabled)=0");
        line(sb, "KERNELOFFSET=0");
        line(sb, "NUMBER(KERNEL_IMAGE_SIZE)=1073741824");
        line(sb, "NUMBER(sme_mask)=0");
        line(sb, "CRASHTIME=1796456923");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
