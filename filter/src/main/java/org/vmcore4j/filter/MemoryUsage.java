package org.vmcore4j.filter;

import java.io.IOException;
import java.util.Objects;
import org.vmcore4j.core.Vmcore;

/**
 * How a machine's memory is used, by page class: makedumpfile 1.7.9's {@code --mem-usage}, which
 * tells how much a dump at each level would keep (run on {@code /proc/kcore} it sizes the crash
 * kernel's dump of the running system; on a vmcore it describes the crashed one).
 *
 * <p>Computed as show_mem_usage does, which differs from a {@code -d 31} dump in three ways: the
 * level is always 31 whatever was asked; pages filled with zero are tested during the scan (reading
 * every page that is not otherwise excluded) and counted apart, not left to a writer; and the bitmaps
 * are built in one pass, so a memory range's partial last page counts as RAM. The memory is the ELF
 * input's PT_LOADs that have a physical address (get_kcore_dump_loads; {@code /proc/kcore}'s vmalloc,
 * module and vmemmap segments have none). makedumpfile also means to cut the crash kernel's
 * reservation out of those segments, but compares its physical range with the segments' virtual
 * addresses before the direct-map base is known, so on x86_64 kernels whose kcore carries VMCOREINFO
 * nothing is cut; nothing is cut here either, and the figures are the same.
 *
 * @param pageSize          bytes per page
 * @param totalPages        pages on the system: RAM frames counted per PT_LOAD (makedumpfile's
 *                          "Total pages on system", its "Original pages")
 * @param zeroPages         pages filled with zero
 * @param cachePages        page cache without the private flag
 * @param cachePrivatePages page cache with the private flag
 * @param userPages         user process pages
 * @param freePages         free pages
 * @param hwpoisonPages     hardware-poisoned pages (not in makedumpfile's table; they are not kernel data)
 * @param offlinePages      offline pages (likewise)
 */
public record MemoryUsage(int pageSize, long totalPages, long zeroPages, long cachePages, long cachePrivatePages,
        long userPages, long freePages, long hwpoisonPages, long offlinePages) {

    /** {@return "KERN_DATA": what no level can leave out, the total less every excludable class} */
    public long kernelDataPages() {
        return totalPages - zeroPages - cachePages - cachePrivatePages - userPages - freePages - hwpoisonPages
                - offlinePages;
    }

    /** {@return "Total size on system": {@link #totalPages()} times the page size} */
    public long totalBytes() {
        return totalPages * pageSize;
    }

    /**
     * {@link #of(Vmcore, ScanListener)} without a listener.
     *
     * @param dump the opened dump
     * @return {@link #of(Vmcore, ScanListener)} without a listener
     * @throws IOException if reading or writing fails
     */
    public static MemoryUsage of(Vmcore dump) throws IOException {
        return of(dump, ScanListener.NONE);
    }

    /**
     * Classifies every page of {@code dump}, an ELF dump ({@code /proc/kcore}, {@code /proc/vmcore} or
     * a copy), in one scan.
     *
     * @param dump the opened dump
     * @param listener the listener
     * @return the memory usage
     * @throws IllegalArgumentException   if {@code dump} is not ELF: a kdump-compressed file no longer
     *                                    holds the pages an earlier filtering left out, so its figures
     *                                    would be wrong (makedumpfile refuses such input too)
     * @throws UnsupportedKernelException if the kernel cannot be classified at level 31 (the message names
     *                                    the missing VMCOREINFO keys)
     * @throws IOException                if reading the dump fails
     */
    public static MemoryUsage of(Vmcore dump, ScanListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!dump.describesMemoryWithLoadSegments()) {
            throw new IllegalArgumentException(dump.description() + " is not an ELF dump but " + dump.formatName()
                    + ", which may lack the pages a filtering left out; memory usage is read from /proc/kcore, "
                    + "/proc/vmcore or an ELF copy of it");
        }
        PageScan scan = PageFilter.forLevel(DumpLevel.MAX).withZeroPages(ZeroPageHandling.ELF_REMOVE)
                .withListener(listener).prepare(dump);
        // show_mem_usage builds its bitmaps in files, in one pass (create_1st_bitmap_file)
        scan.scanner.singleCycle(true);
        FilterReport r = scan.scanner.run(CycleConsumer.NONE);
        return new MemoryUsage(dump.physicalMemory().pageSize(), r.originalPages(), r.zeroPages(), r.cachePages(),
                r.cachePrivatePages(), r.userPages(), r.freePages(), r.hwpoisonPages(), r.offlinePages());
    }
}
