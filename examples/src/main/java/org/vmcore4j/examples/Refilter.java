package org.vmcore4j.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

import org.vmcore4j.collector.CollectorListener;
import org.vmcore4j.collector.KdumpCollector;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.kdump.codec.Compression;

/**
 * Re-filters a dump to dump level 31 (no zero, cache, user or free pages) as an LZO-compressed kdump
 * file, as {@code makedumpfile -l -d 31 DUMP OUT} does, printing its progress every 10 %.
 *
 * <p>{@code java -p MODULES -m org.vmcore4j.examples/org.vmcore4j.examples.Refilter DUMP OUT}
 */
public final class Refilter {
    private Refilter() {
    }

    /**
     * Writes the second argument from the first.
     *
     * @param args the dump's path and the output's
     * @throws IOException if the dump cannot be read or the output written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Refilter DUMP OUT");
            System.exit(2);
        }
        refilter(Path.of(args[0]), Path.of(args[1]), System.out);
    }

    static void refilter(Path input, Path output, PrintStream out) throws IOException {
        // The library never prints: progress comes to a listener, on the writing thread.
        CollectorListener progress = new CollectorListener() {
            private long lastTenth = -1;

            @Override
            public void copyProgress(long done, long total) {
                long tenth = total == 0 ? 10 : done * 10 / total;
                if (tenth != lastTenth) {
                    lastTenth = tenth;
                    out.printf(Locale.ROOT, "copied %d of %d pages (%d %%)%n", done, total, tenth * 10);
                }
            }
        };
        try (Vmcore dump = Vmcore.open(input); DumpSink sink = DumpSink.toFile(output)) {
            FilterReport report = KdumpCollector.write(dump, PageFilter.forLevel(31),
                    KdumpCollector.Options.of(Compression.LZO).withWorkers(2), sink, progress);
            // counted as makedumpfile's report counts them ("Original pages", "Remaining pages")
            out.printf(Locale.ROOT, "kept %d of %d pages%n", report.remainingPages(), report.originalPages());
        }
    }
}
