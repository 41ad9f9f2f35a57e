package org.vmcore4j.filter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Free pages found by walking the buddy allocator's free lists (makedumpfile 1.7.9's
 * exclude_free_page), used only for level 16 when the kernel gives no way to recognise a free page
 * from its struct page (no PAGE_BUDDY_MAPCOUNT_VALUE/PG_buddy, or no _mapcount/private offsets).
 *
 * <p>For every online node, every zone with pages, every order (largest first) and migrate type,
 * the list_head ring at {@code zone.free_area[order].free_list[type]} is followed; each element is
 * the {@code lru} of the first struct page of a free block of 2^order pages. Every element's
 * {@code prev} must point at the element before it ("The free list is broken" otherwise), which on
 * its own rules out cycles that avoid the list head; the walk is also capped at one element per
 * frame of memory, so a damaged list ends in an error, never a hang.
 */
final class FreeListWalker {
    /** More zones per node, orders or migrate types than any kernel has: a bound for hostile values. */
    private static final int MAX_SMALL_COUNT = 64;
    /** SIZE(nodemask_t) above 1 KiB (8192 nodes) is not a real kernel. */
    private static final int MAX_NODEMASK_BYTES = 1024;

    private final String resource;
    private final KernelAddressSpace kas;
    private final MemMap memMap;
    private final int sizePage;
    private final long kvBase;
    private final long maxElements;
    private final ByteBuffer word = ByteBuffer.allocate(8);
    private final byte[] wordBytes = word.array();

    private final long nodeOnlineMap;
    private final int nodemaskBytes;
    private final long nodeData;
    private final long nodeDataLength;
    private final long pgdatList;
    private final long pgdatListLength;
    private final long offPgdatNext;
    private final long contigPageData;
    private final long offNodeZones;
    private final long offNrZones;
    private final long sizeZone;
    private final long offSpannedPages;
    private final long offFreeArea;
    private final long sizeFreeArea;
    private final long offFreeList;
    private final long sizeListHead;
    private final long offNext;
    private final long offPrev;
    private final long offLru;
    private final int orders;
    private final int migrateTypes;

    private FreeListWalker(String resource, KernelAddressSpace kas, MemMap memMap, PageLayout layout, long kvBase,
            VmcoreInfoKeys k, MissingKeys p) {
        this.resource = resource;
        this.kas = kas;
        this.memMap = memMap;
        this.sizePage = layout.sizePage;
        this.kvBase = kvBase;
        this.maxElements = memMap.maxMapnr + 1;
        word.order(kas.byteOrder());
        long online = k.symbol("node_online_map", p);
        if (online == 0) {
            long states = k.symbol("node_states", p);
            long sizeMask = k.size("nodemask_t", p);
            long nOnline = k.number("N_ONLINE", p);
            online = states != 0 && sizeMask != VmcoreInfoKeys.NOT_FOUND && nOnline != VmcoreInfoKeys.NOT_FOUND
                    ? states + sizeMask * nOnline : 0;
        }
        nodeOnlineMap = online;
        long sizeMask = k.size("nodemask_t", p);
        nodemaskBytes = (int) Math.max(-1, Math.min(sizeMask, Integer.MAX_VALUE));
        nodeData = k.symbol("node_data", p);
        nodeDataLength = k.length("node_data", p);
        pgdatList = k.symbol("pgdat_list", p);
        pgdatListLength = k.length("pgdat_list", p);
        offPgdatNext = k.offset("pglist_data.pgdat_next", p);
        contigPageData = k.symbol("contig_page_data", p);
        offNodeZones = k.offset("pglist_data.node_zones", p);
        offNrZones = k.offset("pglist_data.nr_zones", p);
        sizeZone = k.size("zone", p);
        offSpannedPages = k.offset("zone.spanned_pages", p);
        offFreeArea = k.offset("zone.free_area", p);
        sizeFreeArea = k.size("free_area", p);
        offFreeList = k.offset("free_area.free_list", p);
        sizeListHead = k.size("list_head", p);
        offNext = k.offset("list_head.next", p);
        offPrev = k.offset("list_head.prev", p);
        offLru = layout.offLru;
        long len = layout.freeAreaLength;
        orders = (int) Math.max(-1, Math.min(len, Integer.MAX_VALUE));
        long types = k.length("free_area.free_list", p);
        migrateTypes = types == VmcoreInfoKeys.NOT_FOUND ? 1 : (int) Math.max(-1, Math.min(types, Integer.MAX_VALUE));
    }

    /**
     * Checks that every key the walk needs is there (exclude_free_page's checks, plus the node online
     * map that next_online_node cannot do without) and that the counts are sane.
     */
    static FreeListWalker prepare(String resource, VmcoreInfoKeys k, KernelAddressSpace kas, MemMap memMap,
            PageLayout layout, long kvBase, DumpLevel level) throws UnsupportedKernelException {
        MissingKeys p = new MissingKeys();
        FreeListWalker w = new FreeListWalker(resource, kas, memMap, layout, kvBase, k, p);
        if (w.nodeData == 0 && w.pgdatList == 0 && w.contigPageData == 0) {
            p.missing("SYMBOL(node_data)");
            p.missing("SYMBOL(contig_page_data)");
        }
        req(p, w.sizeZone, "SIZE(zone)");
        if (k.offset("zone.free_pages", p) == VmcoreInfoKeys.NOT_FOUND
                && k.offset("zone.vm_stat", p) == VmcoreInfoKeys.NOT_FOUND) {
            p.missing("OFFSET(zone.vm_stat)");
        }
        req(p, w.offFreeArea, "OFFSET(zone.free_area)");
        req(p, w.offSpannedPages, "OFFSET(zone.spanned_pages)");
        req(p, w.offNodeZones, "OFFSET(pglist_data.node_zones)");
        req(p, w.offNrZones, "OFFSET(pglist_data.nr_zones)");
        req(p, w.sizeFreeArea, "SIZE(free_area)");
        req(p, w.offFreeList, "OFFSET(free_area.free_list)");
        req(p, w.offNext, "OFFSET(list_head.next)");
        req(p, w.offPrev, "OFFSET(list_head.prev)");
        req(p, w.offLru, "OFFSET(page.lru)");
        req(p, layout.freeAreaLength, "LENGTH(zone.free_area)");
        if (w.nodeOnlineMap == 0) {
            p.missing("SYMBOL(node_online_map)");
        }
        req(p, w.nodemaskBytes, "SIZE(nodemask_t)");
        if (w.migrateTypes > 1) {
            req(p, w.sizeListHead, "SIZE(list_head)");
        }
        if (p.isEmpty()) {
            if (w.orders < 0 || w.orders > MAX_SMALL_COUNT) {
                p.unusable("LENGTH(zone.free_area)", "is " + layout.freeAreaLength + ", outside 0.." + MAX_SMALL_COUNT);
            }
            if (w.migrateTypes < 0 || w.migrateTypes > MAX_SMALL_COUNT) {
                p.unusable("LENGTH(free_area.free_list)", "is " + w.migrateTypes + ", outside 0.." + MAX_SMALL_COUNT);
            }
            if (w.nodemaskBytes <= 0 || w.nodemaskBytes > MAX_NODEMASK_BYTES || w.nodemaskBytes % 8 != 0) {
                p.unusable("SIZE(nodemask_t)", "is " + w.nodemaskBytes);
            }
        }
        if (!p.isEmpty()) {
            throw p.toException(resource, "finding free pages (this kernel's struct pages do not mark free "
                    + "pages, so the free lists must be walked, which)", level, DumpLevel.FREE);
        }
        return w;
    }

    private static void req(MissingKeys p, long v, String key) {
        if (v == VmcoreInfoKeys.NOT_FOUND) {
            p.missing(key);
        }
    }

    /** Walks every free list, clearing the blocks that lie in the scanner's current cycle. */
    void walk(CycleScanner scanner) throws IOException {
        long[] mask = readNodeMask();
        int numNodes = 0;
        for (long m : mask) {
            numNodes += Long.bitCount(m);
        }
        if (numNodes == 0) {
            numNodes = 1; // get_numnodes
        }
        int node = nextOnlineNode(mask, 0);
        if (node < 0) {
            throw broken("no online node in the node online map");
        }
        long pgdat = pgdat(node);
        for (int n = 1; n <= numNodes; n++) {
            long nodeZones = pgdat + offNodeZones;
            int nrZones = readInt(pgdat + offNrZones);
            if (nrZones < 0 || nrZones > MAX_SMALL_COUNT) {
                throw broken(String.format(Locale.ROOT, "node %d's pglist_data at 0x%x claims %d zones", node, pgdat, nrZones));
            }
            for (int i = 0; i < nrZones; i++) {
                long zone = nodeZones + i * sizeZone;
                if (readLong(zone + offSpannedPages) == 0) {
                    continue;
                }
                zone(scanner, zone);
            }
            if (n < numNodes) {
                node = nextOnlineNode(mask, node + 1);
                if (node < 0) {
                    throw broken("the node online map has fewer nodes than it counts");
                }
                pgdat = pgdat(node);
            }
        }
    }

    private void zone(CycleScanner scanner, long zone) throws IOException {
        for (int order = orders - 1; order >= 0; order--) {
            for (int type = 0; type < migrateTypes; type++) {
                long head = zone + offFreeArea + sizeFreeArea * order + offFreeList + sizeListHead * type;
                long previous = head;
                long curr = readLong(head + offNext);
                long elements = 0;
                while (curr != head) {
                    if (++elements > maxElements) {
                        throw broken(String.format(Locale.ROOT, "the free list at 0x%x (order %d) has more elements than there "
                                + "are pages", head, order));
                    }
                    long startPfn = pageToPfn(curr - offLru);
                    long prev = readLong(curr + offPrev);
                    if (prev != previous) {
                        throw broken(String.format(Locale.ROOT, "the free list at 0x%x (order %d) is broken: element 0x%x's prev "
                                + "is 0x%x, not 0x%x", head, order, curr, prev, previous));
                    }
                    // makedumpfile counts (1 << order) as a C int.
                    int pages = 1 << order;
                    if (pages > 0) {
                        scanner.excludeFreeBlock(startPfn, pages);
                    }
                    previous = curr;
                    curr = readLong(curr + offNext);
                }
            }
        }
    }

    /** page_to_pfn: the frame whose struct page is at {@code page}, from the mem_map ranges. */
    private long pageToPfn(long page) throws VmcoreFormatException {
        for (int i = 0; i < memMap.count; i++) {
            long base = memMap.memMap[i];
            if (Long.compareUnsigned(page, base) < 0) {
                continue;
            }
            long index = Long.divideUnsigned(page - base, sizePage);
            if (Long.compareUnsigned(index, memMap.pfnEnd[i] - memMap.pfnStart[i]) >= 0) {
                continue;
            }
            return memMap.pfnStart[i] + index;
        }
        throw broken(String.format(Locale.ROOT, "a free list element points at 0x%x, which is not a struct page of any mem_map",
                page));
    }

    private long[] readNodeMask() throws IOException {
        long[] mask = new long[nodemaskBytes / 8];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = readLong(nodeOnlineMap + 8L * i);
        }
        return mask;
    }

    private static int nextOnlineNode(long[] mask, int first) {
        for (int node = Math.max(first, 0); node < mask.length * 64; node++) {
            if ((mask[node >>> 6] & (1L << node)) != 0) {
                return node;
            }
        }
        return -1;
    }

    /** next_online_pgdat: node_data[], then the pgdat_list array or chain, then contig_page_data. */
    private long pgdat(int node) throws IOException {
        if (nodeData != 0 && nodeDataLength != VmcoreInfoKeys.NOT_FOUND) {
            long v = tryReadLong(nodeData + 8L * node);
            if (v != 0 && isKvaddr(v)) {
                return v;
            }
        }
        if (pgdatList != 0 && !(node > 0 && pgdatListLength == VmcoreInfoKeys.NOT_FOUND)
                && !(pgdatListLength != VmcoreInfoKeys.NOT_FOUND && pgdatListLength < node)) {
            long v = tryReadLong(pgdatList + 8L * node);
            if (v != 0 && isKvaddr(v)) {
                return v;
            }
        }
        if (pgdatList != 0 && offPgdatNext != VmcoreInfoKeys.NOT_FOUND) {
            long v = tryReadLong(pgdatList);
            for (int i = 1; i <= node && v != 0 && isKvaddr(v); i++) {
                v = tryReadLong(v + offPgdatNext);
            }
            if (v != 0 && isKvaddr(v)) {
                return v;
            }
        }
        if (contigPageData != 0 && node == 0) {
            return contigPageData;
        }
        throw broken("cannot find the pglist_data of node " + node);
    }

    private boolean isKvaddr(long v) {
        return Long.compareUnsigned(v, kvBase) >= 0;
    }

    private long tryReadLong(long vaddr) throws IOException {
        try {
            return readLong(vaddr);
        } catch (VmcoreFormatException e) {
            return 0;
        }
    }

    private long readLong(long vaddr) throws IOException {
        try {
            kas.read(vaddr, wordBytes, 0, 8);
        } catch (MemoryAccessException e) {
            throw broken(String.format(Locale.ROOT, "cannot read 8 bytes at 0x%x: %s", vaddr, e.getMessage()));
        }
        return word.getLong(0);
    }

    private int readInt(long vaddr) throws IOException {
        try {
            kas.read(vaddr, wordBytes, 0, 4);
        } catch (MemoryAccessException e) {
            throw broken(String.format(Locale.ROOT, "cannot read 4 bytes at 0x%x: %s", vaddr, e.getMessage()));
        }
        return word.getInt(0);
    }

    private VmcoreFormatException broken(String what) {
        return new VmcoreFormatException(resource, -1, "walking the free lists for dump level 16: " + what);
    }
}
