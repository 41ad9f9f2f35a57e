package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.vmcore4j.collector.ElfCollector;
import org.vmcore4j.collector.IncompleteDumpException;
import org.vmcore4j.collector.KdumpCollector;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.OutputLimitException;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;

/**
 * Writing a dump: one DUMPFILE, a {@code --split} set, or the flattened format on standard output
 * ({@code -F}); in kdump-compressed or ELF form, each {@code -d} level tried in turn while the
 * output fills up.
 */
final class CollectMode {
    private CollectMode() {
    }

    static int run(CollectorCommand options, MessageOutput messages) throws IOException {
        List<Path> inputs = DumpFiles.inputs(options);
        List<Path> targets = DumpFiles.outputs(options);
        for (Path t : targets) {
            if (!DumpFiles.checkTarget(t, options.force, messages)) {
                return messages.finish(Main.FAILED);
            }
        }
        try (Vmcore dump = DumpFiles.openInput(inputs, true, options)) {
            Object vmcorePath = inputs.size() == 1 ? inputs.get(0) : dump.description();
            if (options.split && options.splitblockKib != null && options.splitblockKib > 0
                    && options.splitblockKib * 1024 % dump.physicalMemory().pageSize() != 0) {
                // makedumpfile's check_splitblock_size, before any DUMPFILE is created
                messages.error("The splitblock size must be align to page_size.\n");
                return messages.finish(Main.FAILED);
            }
            int inputLevel = dump.dumpLevel();
            for (int attempt = 0; attempt < options.dumpLevels.size(); attempt++) {
                int level = options.dumpLevels.get(attempt);
                if ((level | inputLevel) != level) {
                    // makedumpfile's update_dump_level: what the input excluded stays excluded
                    messages.common(String.format(Locale.ROOT, "dump_level is changed to %d, because %s was created by "
                            + "dump_level(%d).", level | inputLevel, vmcorePath, inputLevel));
                    level |= inputLevel;
                }
                try {
                    FilterReport report = write(options, dump, level, targets, messages);
                    messages.report("\n" + report.toMakedumpfileText());
                    messages.common("\n");
                    if (options.flatten) {
                        messages.common("The dumpfile is saved to standard output.\n");
                    } else if (options.split) {
                        StringBuilder sb = new StringBuilder("The dumpfiles are saved to ");
                        for (int i = 0; i < targets.size(); i++) {
                            sb.append(i == targets.size() - 1 ? "and " + targets.get(i) + ".\n"
                                    : targets.get(i) + ", ");
                        }
                        messages.common(sb.toString());
                    } else if (!options.dryRun) {
                        messages.common("The dumpfile is saved to " + targets.get(0) + ".\n");
                    }
                    return messages.finish(Main.COMPLETED);
                } catch (IncompleteDumpException e) {
                    messages.progress("\n");
                    boolean noSpace = e.getCause() instanceof OutputLimitException || isNoSpace(e.getCause());
                    boolean retry = noSpace && !options.flatten && attempt + 1 < options.dumpLevels.size();
                    // before a retry the partial file is deleted: say how far it got, not that it stays readable
                    messages.error((retry ? String.format(Locale.ROOT, "Can't write the dump file after %d of %d pages: %s\n",
                            e.pagesWritten(), e.pagesTotal(), e.getCause().getMessage()) : e.getMessage() + "\n"));
                    if (retry) {
                        messages.common("Retry to create a dumpfile by dump_level("
                                + options.dumpLevels.get(attempt + 1) + ").\n");
                        for (Path t : targets) {
                            Files.deleteIfExists(t);
                        }
                        continue;
                    }
                    if (e.marked()) {
                        messages.common("This is an incomplete dumpfile, but might analyzable.\n");
                    } else {
                        FailedRunOutputs.removeUnreadable(targets, e);
                    }
                    return messages.finish(Main.FAILED);
                } catch (IOException | RuntimeException e) {
                    FailedRunOutputs.removeUnreadable(targets, e);
                    throw e;
                }
            }
            throw new IllegalStateException("no dump level left");
        }
    }

    private static boolean isNoSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().toLowerCase(Locale.ROOT).contains("no space left")) {
                return true;
            }
        }
        return false;
    }

    private static FilterReport write(CollectorCommand options, Vmcore dump, int level, List<Path> targets,
            MessageOutput messages) throws IOException {
        PageFilter filter = PageFilter.forLevel(level);
        if (options.workDir != null) {
            filter = filter.withCycleMode(PageFilter.CycleMode.SINGLE); // makedumpfile: no cycles with --work-dir
        }
        if (options.excludeUnusedVmemmap) {
            filter = filter.withUnusedVmemmapExcluded(true);
        }
        if (options.cyclicBufferKib != null && options.cyclicBufferKib != 0) {
            // makedumpfile reads the size as an unsigned long and cuts it to the free memory; vmcore4j
            // cuts it to the most its bitmaps use
            long bytes = options.cyclicBufferKib * 1024;
            if (bytes < 0 || bytes > PageFilter.MAX_CYCLE_BUFFER_BYTES) {
                bytes = PageFilter.MAX_CYCLE_BUFFER_BYTES;
                messages.common("Specified buffer size is larger than vmcore4j uses.\nThe buffer size for the "
                        + "cyclic mode will be truncated to " + bytes + " byte.\n");
            }
            filter = filter.withCycleBufferBytes(bytes);
        }
        ProgressPrinter progress = new ProgressPrinter(messages);
        long limit = options.sizeLimit == null ? Long.MAX_VALUE : NumericOptions.parseSize(options.sizeLimit);
        List<DumpSink> sinks = new ArrayList<>();
        try {
            DumpSinks.openInto(sinks, options, dump, targets, limit);
            FilterReport report;
            if (options.elf) {
                report = ElfCollector.write(dump, filter, sinks.get(0), progress);
            } else {
                KdumpCollector.Options kdumpOptions = KdumpCollector.Options.of(options.compression)
                        .withWorkers(options.compressionWorkers());
                if (options.split) {
                    long block = options.splitblockKib == null || options.splitblockKib == 0
                            ? KdumpCollector.DEFAULT_SPLITBLOCK_BYTES : options.splitblockKib * 1024;
                    report = KdumpCollector.writeSplit(dump, filter, kdumpOptions, sinks, block, progress);
                } else {
                    report = KdumpCollector.write(dump, filter, kdumpOptions, sinks.get(0), progress);
                }
            }
            progress.finish(report.remainingPages(), report.remainingPages());
            return report;
        } finally {
            DumpSinks.closeAll(sinks);
        }
    }
}
