package org.vmcore4j.cli;

import java.nio.file.Files;

import org.vmcore4j.kdump.codec.Compression;

/**
 * makedumpfile's refusals of option combinations (its check_param_for_* functions), with its
 * messages: the caller prints the reason, then "Commandline parameter is invalid.", and exits 1.
 */
final class OptionCombinationCheck {
    private OptionCombinationCheck() {
    }

    /** null when the command line is valid; otherwise a reason ("" when makedumpfile gives none). */
    static String invalidCombination(CollectorCommand options) {
        if (!options.unsupported.isEmpty()) {
            return "This option of makedumpfile is not supported by vmcore4j (it needs no vmlinux, "
                    + "has no Xen/sadump input and no erase filters).";
        }
        int modes = (options.dumpDmesg ? 1 : 0) + (options.rearrange ? 1 : 0) + (options.reassemble ? 1 : 0)
                + (options.memUsage ? 1 : 0);
        if (modes > 1) {
            return "";
        }
        boolean compressed = options.compression != Compression.NONE;
        boolean plainOutput = !compressed && !options.dumpLevelGiven && !options.elf && !options.flatten
                && !options.split; // -R and --reassemble copy their input: no option may shape it
        if (options.rearrange) {
            return options.files.size() == 1 && plainOutput ? null : "";
        }
        if (options.reassemble) {
            if (options.dryRun) {
                return "--dry-run cannot be used with --reassemble.";
            }
            return options.files.size() >= 2 && plainOutput ? null : "";
        }
        if (compressed && options.elf) {
            return "";
        }
        if (options.archive && (options.flatten || options.split || options.dryRun || modes > 0)) {
            return ArchiveOutput.OPTION + " writes one DUMPFILE: it cannot be used with -F, --split, --dry-run, -R, "
                    + "--reassemble, --dump-dmesg or --mem-usage.";
        }
        if (options.dryRun && options.dumpDmesg) {
            return "--dry-run cannot be used with --dump-dmesg.";
        }
        if (options.flatten && options.split) {
            return "";
        }
        if (options.numThreads < 0) {
            options.numThreads = 0; // makedumpfile: MAX(atoi(optarg), 0)
        }
        if (options.numThreads > 0 && options.split) {
            return "--num-threads cannot used with --split.";
        }
        if (options.numThreads > 0 && options.elf) {
            return "--num-threads cannot used with ELF format.";
        }
        if (options.partialDmesg && !options.dumpDmesg) {
            return "";
        }
        if (options.excludeUnusedVmemmap && options.workDir == null) {
            return "-e requires --work-dir"; // makedumpfile: its unused-page search reads whole bitmap files
        }
        if (options.memUsage && options.files.size() == 1) {
            return null; // VMCORE alone (makedumpfile also takes the forms below and ignores DUMPFILE)
        }
        if (options.dumpDmesg && (options.split || options.files.size() < (options.flatten ? 1 : 2))) {
            return ""; // VMCORE... and LOGFILE; with -F, VMCORE... alone (the log goes to standard output)
        }
        if (options.sizeLimit != null && NumericOptions.parseSize(options.sizeLimit) <= 0) {
            return "Limit size(" + options.sizeLimit + ") is invalid.";
        }
        if (options.splitblockKib != null && options.splitblockKib < 0) {
            return "The splitblock size(" + options.splitblockKib + " KiB) is invalid.";
        }
        if (options.blockOrder != null && (options.blockOrder < 0 || options.blockOrder > 30)) {
            return "The block order(" + options.blockOrder + ") is invalid.";
        }
        if (options.workDir != null && !Files.isDirectory(options.workDir)) {
            return "The work directory(" + options.workDir + ") does not exist.";
        }
        if (options.split) {
            if (options.files.size() > 2 && options.elf) {
                return "Options for splitting dumpfile cannot be used with Elf format.";
            }
            return options.files.size() > 2 ? null : "";
        }
        // VMCORE may be several files (a split set's parts): every FILE but the DUMPFILE (-F: every FILE)
        if (options.flatten) {
            return options.files.isEmpty() ? "" : null;
        }
        return options.files.size() >= 2 ? null : "";
    }
}
