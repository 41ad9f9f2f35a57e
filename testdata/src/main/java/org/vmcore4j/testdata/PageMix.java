package org.vmcore4j.testdata;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The page classes of one 128 MiB section of a {@link LargeVmcore} and their struct pages, Linux 6.12
 * x86_64 layout (64 bytes: flags 0, lru or compound_head 8, mapping 24, index 32, private 40,
 * _mapcount or page_type 48, _refcount 52).
 *
 * <p>The mix, drawn per 4 MiB block (an order-10 buddy block): 55 % of blocks are free memory, split
 * into free buddy blocks of every order with a few allocated fragments; the others are allocated
 * runs of 1-16 pages: page cache 45 %, page cache with buffers (PG_private) 11 %, anonymous 30 %,
 * zeroed kernel allocations 9.1 %, slab 1.8 %, page tables 0.6 %, other kernel memory 0.5 %, single
 * free pages 2 %. Blocks that hold kernel image, memblock tables or vmemmap frames take the
 * allocated mix around them.
 */
final class PageMix {
    static final int FREE = 0;
    static final int CACHE = 1;
    static final int CACHE_PRIVATE = 2;
    static final int ANON = 3;
    static final int ZERO = 4;
    static final int SLAB = 5;
    static final int PAGE_TABLE = 6;
    static final int KERNEL = 7;
    static final int NOT_IN_DUMP = 8;
    static final int CLASSES = 9;
    static final String[] NAMES = {"free", "cache", "cache_private", "anon", "zero", "slab", "page_table", "kernel",
        "not_in_dump"};

    static final int PG_REFERENCED = 2;
    static final int PG_UPTODATE = 3;
    static final int PG_LRU = 5;
    static final int PG_RESERVED = 13;
    static final int PG_PRIVATE = 14;
    static final int PG_SWAPBACKED = 17;
    /** page_type values (the type in the top byte): PGTY_buddy, PGTY_table, PGTY_slab. */
    static final int TYPE_BUDDY = 0xf0000000;
    static final int TYPE_TABLE = 0xf2000000;
    static final int TYPE_SLAB = 0xf5000000;
    /** Cumulative fractions of the allocated mix, in class order FREE..KERNEL. */
    private static final double[] ALLOCATED = {0.02, 0.47, 0.58, 0.88, 0.971, 0.989, 0.995, 1.0};

    private final LargeVmcoreLayout layout;
    private final long seed;
    final int[] cls = new int[LargeVmcoreLayout.SECTION_PAGES];
    /** Buddy order of a free block's first page, -1 elsewhere. */
    final byte[] order = new byte[LargeVmcoreLayout.SECTION_PAGES];
    long first;

    PageMix(LargeVmcoreLayout layout, long seed) {
        this.layout = layout;
        this.seed = seed;
    }

    /** Draws the classes of section {@code s}; the same seed and section give the same classes. */
    void draw(int s) {
        first = (long) s << LargeVmcoreLayout.SECTION_SHIFT;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + s);
        java.util.Arrays.fill(order, (byte) -1);
        for (int b = 0; b < LargeVmcoreLayout.SECTION_PAGES; b += 1024) {
            long pfn = first + b;
            if (!layout.anySpecial(pfn, pfn + 1024) && r.nextDouble() < 0.55) {
                split(b, 10, r);
            } else {
                allocated(b, b + 1024, r);
            }
        }
    }

    private void split(int at, int o, SplittableRandom r) {
        if (o == 0 || r.nextDouble() < 0.6) {
            if (o <= 3 && r.nextDouble() < 0.15) {
                allocated(at, at + (1 << o), r);
            } else {
                cls[at] = FREE;
                order[at] = (byte) o;
                for (int i = 1; i < 1 << o; i++) {
                    cls[at + i] = FREE;
                }
            }
            return;
        }
        split(at, o - 1, r);
        split(at + (1 << (o - 1)), o - 1, r);
    }

    private void allocated(int from, int to, SplittableRandom r) {
        int p = from;
        while (p < to) {
            int special = specialClass(first + p);
            if (special >= 0) {
                cls[p++] = special;
                continue;
            }
            double u = r.nextDouble();
            int c = 0;
            while (u >= ALLOCATED[c]) {
                c++;
            }
            int run = 1 + r.nextInt(16);
            for (int i = 0; i < run && p < to && specialClass(first + p) < 0; i++, p++) {
                cls[p] = c;
                if (c == FREE) {
                    order[p] = 0;
                }
            }
        }
    }

    /** The class a frame outside the page allocator has, or -1 for an allocator frame. */
    private int specialClass(long pfn) {
        LargeVmcoreLayout.Special sp = layout.special(pfn);
        if (sp == null) {
            return -1;
        }
        return switch (sp) {
            case NOT_IN_DUMP -> NOT_IN_DUMP;
            case TABLE -> isZero(layout.tablePages.get(pfn)) ? ZERO : KERNEL;
            case KERNEL_IMAGE, VMEMMAP -> KERNEL;
        };
    }

    private static boolean isZero(byte[] page) {
        if (page == null) {
            return true;
        }
        for (byte b : page) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the frame's content is data the generator writes (every kept class). */
    static boolean hasData(int c) {
        return c == SLAB || c == PAGE_TABLE || c == KERNEL;
    }

    /** Writes the section's 32768 struct pages into {@code block} (little-endian, 2 MiB). */
    void encode(ByteBuffer block, SplittableRandom r) {
        for (int i = 0; i < LargeVmcoreLayout.SECTION_PAGES; i++) {
            long pfn = first + i;
            int at = i * 64;
            long zone = pfn < 0x1000 ? 0 : pfn < 0x100000 ? 1 : 2;
            long flags = zone << 52;
            long lru = 0;
            long mapping = 0;
            long index = 0;
            long priv = 0;
            int mapcount = -1;
            int refcount = 1;
            long self = LargeVmcoreLayout.VMEMMAP + pfn * 64;
            switch (cls[i]) {
                case FREE -> {
                    refcount = 0;
                    if (order[i] >= 0) {
                        lru = self + 8;
                        priv = order[i];
                        mapcount = TYPE_BUDDY;
                    }
                }
                case CACHE, CACHE_PRIVATE -> {
                    flags |= 1L << PG_LRU | 1L << PG_UPTODATE | (r.nextBoolean() ? 1L << PG_REFERENCED : 0);
                    lru = self + 8;
                    mapping = LargeVmcoreLayout.PAGE_OFFSET + 0x100000000L + ((long) r.nextInt(1 << 20) << 10);
                    index = r.nextInt(1 << 20);
                    mapcount = r.nextInt(4) == 0 ? 0 : -1;
                    if (cls[i] == CACHE_PRIVATE) {
                        flags |= 1L << PG_PRIVATE;
                        priv = LargeVmcoreLayout.PAGE_OFFSET + 0x200000000L + ((long) r.nextInt(1 << 20) << 7);
                    }
                }
                case ANON -> {
                    flags |= 1L << PG_LRU | 1L << PG_UPTODATE | 1L << PG_SWAPBACKED;
                    lru = self + 8;
                    mapping = (LargeVmcoreLayout.PAGE_OFFSET + 0x300000000L + ((long) r.nextInt(1 << 20) << 7)) | 1;
                    index = 0x7f0000000L + r.nextInt(1 << 24);
                    mapcount = 0;
                }
                case SLAB -> {
                    lru = LargeVmcoreLayout.PAGE_OFFSET + 0x400000000L + ((long) r.nextInt(4096) << 8);
                    mapping = r.nextLong();
                    mapcount = TYPE_SLAB;
                }
                case PAGE_TABLE -> {
                    lru = self + 8;
                    mapcount = TYPE_TABLE;
                }
                case KERNEL, NOT_IN_DUMP -> flags |= 1L << PG_RESERVED;
                default -> {
                }
            }
            block.putLong(at, flags).putLong(at + 8, lru).putLong(at + 16, lru).putLong(at + 24, mapping)
                    .putLong(at + 32, index).putLong(at + 40, priv).putInt(at + 48, mapcount)
                    .putInt(at + 52, refcount).putLong(at + 56, 0);
        }
    }

    /** Fills a kernel data page: kernel pointers, small integers and zeros, as slab and page tables hold. */
    static void fillData(ByteBuffer page, int at, long pfn) {
        long x = pfn * 0x9E3779B97F4A7C15L;
        page.putLong(at, 0x5a5a000000000000L | pfn);
        for (int i = 1; i < 512; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            long v = switch ((int) (x & 3)) {
                case 0 -> 0;
                case 1 -> LargeVmcoreLayout.PAGE_OFFSET | ((x >>> 20) & 0x3ffffff8L);
                case 2 -> (x >>> 40) & 0xffff;
                default -> x;
            };
            page.putLong(at + i * 8, v);
        }
    }
}
