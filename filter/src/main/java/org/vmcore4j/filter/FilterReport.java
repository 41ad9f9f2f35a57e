package org.vmcore4j.filter;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * What a scan left out, counted exactly as makedumpfile 1.7.9's print_report counts it, plus the
 * true sizes of the bitmaps.
 *
 * <p>The class counts follow makedumpfile's bookkeeping, not bitmap arithmetic: a page is counted
 * when its bit is cleared in the cycle that holds it, even if it was already clear (e.g. pages of a
 * compound or free block that lie outside the dump's segments), and {@code memoryHolePages} is
 * {@code totalPages} minus the pages of every PT_LOAD counted separately, so frames an x86_64 ELF
 * vmcore maps twice (kernel text) count twice in {@link #originalPages()} (a kdump-compressed input
 * filtered again counts its own RAM bitmap exactly, as makedumpfile does). {@link #dumpablePages()}
 * and {@link #ramPages()} are the actual numbers of set bits.
 *
 * <p>{@code freePages} includes {@code unacceptedPages} (makedumpfile counts both as free); the
 * latter is broken out for information. {@code zeroPages} is only meaningful when
 * {@link #zeroPagesCounted()}: with {@link ZeroPageHandling#LEAVE_TO_WRITER} the writer counts them
 * and reports through {@link #withZeroPages(long)}.
 *
 * @param dumpLevel       the level scanned
 * @param totalPages      max_mapnr (after the reduction to the last mem_map section)
 * @param memoryHolePages makedumpfile's "Memory Hole"
 * @param elfExcludedPages pages an ELF writer actually left out (runs of 256 or more), if an ELF
 *                        writer reported them; enables the "in ELF format" report lines
 * @param unusedVmemmapPages with {@link PageFilter#withUnusedVmemmapExcluded}: the vmemmap pages taken
 *                        out of the 2nd bitmap, counted as makedumpfile's "Excluded N unused vmemmap
 *                        pages" (they are not part of the class counts, as there); empty when the
 *                        exclusion was not asked for or could not be done
 */
public record FilterReport(int dumpLevel, ZeroPageHandling zeroHandling, String memoryModel, long totalPages,
        long memoryHolePages, long zeroPages, long cachePages, long cachePrivatePages, long userPages, long freePages,
        long hwpoisonPages, long offlinePages, long unacceptedPages, long ramPages, long dumpablePages,
        boolean zeroPagesCounted, OptionalLong elfExcludedPages, OptionalLong unusedVmemmapPages) {

    /**
     * A report without vmemmap exclusion.
     *
     * @param dumpLevel the dump level
     * @param zeroHandling the zero handling
     * @param memoryModel the memory model
     * @param totalPages the total pages
     * @param memoryHolePages the memory hole pages
     * @param zeroPages the zero pages
     * @param cachePages the cache pages
     * @param cachePrivatePages the cache private pages
     * @param userPages the user pages
     * @param freePages the free pages
     * @param hwpoisonPages the hwpoison pages
     * @param offlinePages the offline pages
     * @param unacceptedPages the unaccepted pages
     * @param ramPages the ram pages
     * @param dumpablePages the dumpable pages
     * @param zeroPagesCounted the zero pages counted
     * @param elfExcludedPages the elf excluded pages
     */
    public FilterReport(int dumpLevel, ZeroPageHandling zeroHandling, String memoryModel, long totalPages,
            long memoryHolePages, long zeroPages, long cachePages, long cachePrivatePages, long userPages,
            long freePages, long hwpoisonPages, long offlinePages, long unacceptedPages, long ramPages,
            long dumpablePages, boolean zeroPagesCounted, OptionalLong elfExcludedPages) {
        this(dumpLevel, zeroHandling, memoryModel, totalPages, memoryHolePages, zeroPages, cachePages,
                cachePrivatePages, userPages, freePages, hwpoisonPages, offlinePages, unacceptedPages, ramPages,
                dumpablePages, zeroPagesCounted, elfExcludedPages, OptionalLong.empty());
    }

    /** {@return makedumpfile's "Original pages": max_mapnr minus the memory hole} */
    public long originalPages() {
        return totalPages - memoryHolePages;
    }

    /** {@return sum of the class counts (makedumpfile's "Excluded pages")} */
    public long excludedPages() {
        return zeroPages + cachePages + cachePrivatePages + userPages + freePages + hwpoisonPages + offlinePages;
    }

    /** {@return makedumpfile's "Remaining pages": original minus excluded} */
    public long remainingPages() {
        return originalPages() - excludedPages();
    }

    /**
     * {@return the "(The number of pages is reduced to N%.)" figure, computed in unsigned arithmetic
     * as there; empty when there are no original pages (makedumpfile omits the line)}
     */
    public OptionalLong percentRemaining() {
        long original = originalPages();
        if (original == 0) {
            return OptionalLong.empty();
        }
        long excluded = elfExcludedPages.isPresent() ? elfExcludedPages.getAsLong() : excludedPages();
        return OptionalLong.of(Long.divideUnsigned((original - excluded) * 100, original));
    }

    /**
     * This report with a zero-page count a writer made while copying (kdump semantics: the pages stay dumpable).
     *
     * @param zero the zero
     * @return this report with a zero-page count a writer made while copying (kdump semantics: the
     *         pages stay dumpable)
     */
    public FilterReport withZeroPages(long zero) {
        return new FilterReport(dumpLevel, zeroHandling, memoryModel, totalPages, memoryHolePages, zero, cachePages,
                cachePrivatePages, userPages, freePages, hwpoisonPages, offlinePages, unacceptedPages, ramPages,
                dumpablePages, true, elfExcludedPages, unusedVmemmapPages);
    }

    /**
     * This report with another memory-hole count (makedumpfile's ELF writer counts the hole per PT_LOAD as it writes).
     *
     * @param hole the hole
     * @return this report with another memory-hole count (makedumpfile's ELF writer counts the
     *         hole per PT_LOAD as it writes)
     */
    public FilterReport withMemoryHolePages(long hole) {
        return new FilterReport(dumpLevel, zeroHandling, memoryModel, totalPages, hole, zeroPages, cachePages,
                cachePrivatePages, userPages, freePages, hwpoisonPages, offlinePages, unacceptedPages, ramPages,
                dumpablePages, zeroPagesCounted, elfExcludedPages, unusedVmemmapPages);
    }

    /**
     * This report with the number of pages an ELF writer actually left out.
     *
     * @param pages the pages
     * @return this report with the number of pages an ELF writer actually left out
     */
    public FilterReport withElfExcludedPages(long pages) {
        return new FilterReport(dumpLevel, zeroHandling, memoryModel, totalPages, memoryHolePages, zeroPages,
                cachePages, cachePrivatePages, userPages, freePages, hwpoisonPages, offlinePages, unacceptedPages,
                ramPages, dumpablePages, zeroPagesCounted, OptionalLong.of(pages), unusedVmemmapPages);
    }

    /**
     * This report after {@code -e}: {@code excluded} vmemmap pages as makedumpfile counts them, of which
     * {@code cleared} were dumpable until then (the rest already were not).
     */
    FilterReport withUnusedVmemmapPages(long excluded, long cleared) {
        return new FilterReport(dumpLevel, zeroHandling, memoryModel, totalPages, memoryHolePages, zeroPages,
                cachePages, cachePrivatePages, userPages, freePages, hwpoisonPages, offlinePages, unacceptedPages,
                ramPages, dumpablePages - cleared, zeroPagesCounted, elfExcludedPages, OptionalLong.of(excluded));
    }

    /**
     * {@return the report block makedumpfile prints at message level 16 (print_report), from the blank
     * line before "Original pages" through "Total pages", line for line and in the same format}
     */
    public String toMakedumpfileText() {
        StringBuilder sb = new StringBuilder();
        sb.append('\n');
        line(sb, "Original pages  : ", originalPages());
        line(sb, "  Excluded pages   : ", excludedPages());
        if (elfExcludedPages.isPresent()) {
            line(sb, "     in ELF format : ", elfExcludedPages.getAsLong());
        }
        line(sb, "    Pages filled with zero  : ", zeroPages);
        line(sb, "    Non-private cache pages : ", cachePages);
        line(sb, "    Private cache pages     : ", cachePrivatePages);
        line(sb, "    User process data pages : ", userPages);
        line(sb, "    Free pages              : ", freePages);
        line(sb, "    Hwpoison pages          : ", hwpoisonPages);
        line(sb, "    Offline pages           : ", offlinePages);
        line(sb, "  Remaining pages  : ", remainingPages());
        if (elfExcludedPages.isPresent()) {
            line(sb, "     in ELF format : ", originalPages() - elfExcludedPages.getAsLong());
        }
        percentRemaining().ifPresent(p -> sb.append("  (The number of pages is reduced to ").append(p).append("%.)\n"));
        line(sb, "Memory Hole     : ", memoryHolePages);
        sb.append("--------------------------------------------------\n");
        line(sb, "Total pages     : ", totalPages);
        return sb.toString();
    }

    /**
     * {@link #toMakedumpfileText()} followed by makedumpfile's "Write bytes" line.
     *
     * @param writeBytes the write bytes
     * @return {@link #toMakedumpfileText()} followed by makedumpfile's "Write bytes" line
     */
    public String toMakedumpfileText(long writeBytes) {
        return toMakedumpfileText() + "Write bytes     : " + Long.toUnsignedString(writeBytes) + "\n";
    }

    private static void line(StringBuilder sb, String label, long value) {
        sb.append(label).append(String.format(Locale.ROOT, "0x%016x", value)).append('\n');
    }
}
