package org.vmcore4j.cli;

import java.util.Locale;
import org.vmcore4j.filter.MemoryUsage;

/**
 * The table {@code --mem-usage} prints, character for character as makedumpfile 1.7.9's
 * print_mem_usage lays it out (tabs, left-aligned 16-column numbers, the trailing blank after
 * "Dumpable kernel data").
 */
final class MemoryUsageTable {
    private MemoryUsageTable() {
    }

    static String render(MemoryUsage u) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n');
        sb.append("TYPE\t\tPAGES\t\t\tEXCLUDABLE\tDESCRIPTION\n");
        sb.append("----------------------------------------------------------------------\n");
        row(sb, "ZERO\t\t", u.zeroPages(), "yes\t\tPages filled with zero");
        row(sb, "NON_PRI_CACHE\t", u.cachePages(), "yes\t\tCache pages without private flag");
        row(sb, "PRI_CACHE\t", u.cachePrivatePages(), "yes\t\tCache pages with private flag");
        row(sb, "USER\t\t", u.userPages(), "yes\t\tUser process pages");
        row(sb, "FREE\t\t", u.freePages(), "yes\t\tFree pages");
        row(sb, "KERN_DATA\t", u.kernelDataPages(), "no\t\tDumpable kernel data ");
        sb.append('\n');
        sb.append("page size:\t\t").append(column(u.pageSize())).append('\n');
        sb.append("Total pages on system:\t").append(column(u.totalPages())).append('\n');
        sb.append("Total size on system:\t").append(column(u.totalBytes())).append(" Byte\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String type, long pages, String rest) {
        sb.append(type).append(column(pages)).append('\t').append(rest).append('\n');
    }

    /** C's {@code %-16llu}: unsigned, left-aligned in 16 columns. */
    private static String column(long value) {
        return String.format(Locale.ROOT, "%-16s", Long.toUnsignedString(value));
    }
}
