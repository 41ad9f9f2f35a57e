package org.vmcore4j.cli;

import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.OutputLimitException;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.WindowedFileSource;
import org.vmcore4j.collector.CollectorListener;
import org.vmcore4j.collector.ElfCollector;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.collector.IncompleteDumpException;
import org.vmcore4j.collector.KdumpCollector;
import org.vmcore4j.filter.MemoryUsage;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.kdump.FlattenedRearranger;
import org.vmcore4j.kdump.FlattenedSink;
import org.vmcore4j.kdump.KdumpReassembler;
import org.vmcore4j.kdump.KdumpVmcore;
import org.vmcore4j.kdump.codec.Compression;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The makedumpfile-compatible command: {@code vmcore4j [OPTION]... VMCORE DUMPFILE}. Options keep
 * makedumpfile's names, meaning, defaults and refusals of invalid combinations (exit status 1, as
 * makedumpfile's "Commandline parameter is invalid."), so the jar can stand in as kdump's
 * {@code core_collector}; messages follow {@code --message-level}.
 */
@Command(name = "vmcore4j", subcommands = InfoCommand.class, sortOptions = false,
        description = "Read, filter and collect Linux kernel crash dumps (makedumpfile-compatible).%n"
                + "  vmcore4j [OPTION]... VMCORE DUMPFILE%n"
                + "  vmcore4j -F [OPTION]... VMCORE > DUMPFILE.flat%n"
                + "  vmcore4j --split [OPTION]... VMCORE DUMPFILE1 DUMPFILE2 [DUMPFILE3...]%n"
                + "  vmcore4j -R DUMPFILE < DUMPFILE.flat%n"
                + "  vmcore4j --reassemble DUMPFILE1 DUMPFILE2 [...] DUMPFILE%n"
                + "  vmcore4j --dump-dmesg [--partial-dmesg] VMCORE LOGFILE%n"
                + "  vmcore4j --mem-usage VMCORE%n"
                + "  vmcore4j info DUMP [--json]",
        versionProvider = CollectorCommand.Version.class)
final class CollectorCommand implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    private Compression compression = Compression.NONE;
    private List<Integer> dumpLevels = List.of(0);
    private boolean dumpLevelGiven;

    @Option(names = "-c", description = "compress each page with zlib (level 1)")
    void zlib(boolean on) {
        compression = Compression.ZLIB;
    }

    @Option(names = "-l", description = "compress each page with LZO1X-1")
    void lzo(boolean on) {
        compression = Compression.LZO;
    }

    @Option(names = "-p", description = "compress each page with snappy")
    void snappy(boolean on) {
        compression = Compression.SNAPPY;
    }

    @Option(names = "-z", description = "compress each page with zstd (level 1)")
    void zstd(boolean on) {
        compression = Compression.ZSTD;
    }

    @Option(names = "--lz4", description = "vmcore4j extension: compress each page with LZ4. Only vmcore4j reads "
            + "such a file; convert it with vmcore4j -c/-l/-p/-z before handing it to crash or libkdumpfile")
    void lz4(boolean on) {
        compression = Compression.LZ4;
    }

    @Option(names = "-d", paramLabel = "LEVEL[,LEVEL...]", description = "dump level 0-31 (exclude: 1 zero, 2 cache, "
            + "4 private cache, 8 user, 16 free pages); further levels are tried in turn if the output fills up")
    void dumpLevel(String value) {
        // makedumpfile's parse_dump_level: strtok(",") skips empty items, atoi reads each (so "a" is 0),
        // up to 32 levels
        List<Integer> levels = new ArrayList<>();
        for (String s : value.split(",")) {
            if (s.isEmpty()) {
                continue;
            }
            int l = atoi(s);
            if (l < 0 || l > 31) {
                throw new picocli.CommandLine.ParameterException(spec(), "Dump_level(" + l + ") is invalid.");
            }
            if (levels.size() >= 32) {
                throw new picocli.CommandLine.ParameterException(spec(), "Dump_level is invalid.");
            }
            levels.add(l);
        }
        if (!levels.isEmpty()) {
            dumpLevels = levels;
        }
        dumpLevelGiven = true;
    }

    /** C's atoi, as makedumpfile reads numeric options: leading blanks, a sign, digits; 0 when none. */
    static int atoi(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = Math.min(v * 10 + (s.charAt(i) - '0'), 1L << 31);
            i++;
        }
        v = negative ? -v : v;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    @Option(names = "-E", description = "write an ELF dump instead of a kdump-compressed one")
    boolean elf;

    @Option(names = "-e", description = "also leave out the pages of the struct page array (vmemmap) that describe "
            + "only pages the dump leaves out (x86_64; needs --work-dir)")
    boolean excludeUnusedVmemmap;

    @Option(names = "-F", description = "write the dump in the flattened format to standard output")
    boolean flatten;

    @Option(names = "-R", description = "rearrange a flattened dump from standard input into DUMPFILE")
    boolean rearrange;

    @Option(names = "--split", description = "write the dump into several DUMPFILEs of about equal size")
    boolean split;

    @Option(names = "--reassemble", description = "join the DUMPFILEs of a --split set into the last DUMPFILE")
    boolean reassemble;

    @Option(names = "--num-threads", paramLabel = "N", description = "compress pages on N threads (the output is the "
            + "same whatever N; default: one per available CPU, where makedumpfile's is none)")
    void numThreads(String value) {
        numThreads = atoi(value);
        numThreadsGiven = true;
    }

    int numThreads;
    boolean numThreadsGiven;

    /**
     * Compression workers: as asked, else one per CPU. The output does not depend on the number, so
     * unlike makedumpfile (single-threaded unless told) we use what the machine has; a crash kernel
     * booted with nr_cpus=1 gets the single-threaded path.
     */
    int compressionWorkers() {
        if (numThreadsGiven) {
            return numThreads;
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        return cpus < 2 ? 0 : Math.min(cpus, 8);
    }

    @Option(names = "--dump-dmesg", description = "write the crashed kernel's log (dmesg) to LOGFILE instead of a dump")
    boolean dumpDmesg;

    @Option(names = "--partial-dmesg", description = "with --dump-dmesg: only the messages since the last dmesg -c")
    boolean partialDmesg;

    @Option(names = "--mem-usage", description = "print how the memory of VMCORE (/proc/kcore, or an ELF vmcore) is "
            + "used, page class by page class, instead of writing a dump; unlike makedumpfile it needs no crashkernel "
            + "reservation")
    boolean memUsage;

    @Option(names = {"-L", "--size-limit"}, paramLabel = "SIZE", description = "stop writing at SIZE bytes (K, M, G "
            + "suffixes); the dump is then marked incomplete, or the next -d level is tried")
    String sizeLimit;

    @Option(names = "-f", description = "overwrite DUMPFILE if it exists")
    boolean force;

    @Option(names = "-b", paramLabel = "ORDER", description = "accepted for compatibility (makedumpfile's write "
            + "cache of 2^ORDER pages); vmcore4j's buffers do not depend on it")
    void blockOrder(String value) {
        blockOrder = atoi(value);
    }

    Integer blockOrder;

    @Option(names = "--cyclic-buffer", paramLabel = "KB", description = "bitmap memory per cycle in KiB "
            + "(default 4096: 2^25 pages per cycle; larger sizes are cut to the most vmcore4j uses)")
    void cyclicBuffer(String value) {
        cyclicBufferKib = (long) atoi(value);
    }

    Long cyclicBufferKib;

    @Option(names = "--splitblock-size", paramLabel = "KB", description = "granularity of --split ranges in KiB "
            + "(default 1048576; 0 means the default)")
    void splitblock(String value) {
        splitblockKib = (long) atoi(value);
    }

    Long splitblockKib;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "build the bitmaps in one pass, as makedumpfile "
            + "does with --work-dir (a PT_LOAD's partial last page then counts as RAM); vmcore4j keeps them in memory "
            + "and writes nothing to DIR")
    Path workDir;

    @Option(names = "--non-mmap", description = "read VMCORE with read calls instead of mapping it (by default "
            + "the collector maps a 4 MiB window per thread at a time)")
    boolean nonMmap;

    @Option(names = "--raw-ranges", paramLabel = "FILE", description = "vmcore4j extension: VMCORE is a raw memory "
            + "image; FILE's lines 'FILE_OFFSET PHYSICAL_ADDRESS LENGTH' say where it holds which memory (VMCORE@ADDRESS: "
            + "all of it from ADDRESS on)")
    Path rawRanges;

    @Option(names = "--no-backup-remap", description = "vmcore4j extension: read a whole-machine image (QEMU/virsh "
            + "memory dump, raw image) as it is, even if it holds a kexec capture (by default the crashed kernel's memory "
            + "is read, kexec's backup region from its copy)")
    boolean noBackupRemap;

    @Option(names = "--dry-run", description = "do everything but write the output")
    boolean dryRun;

    @Option(names = "--check-params", description = "only check the command line")
    boolean checkParams;

    @Option(names = "--show-stats", description = "print the report (message level 16)")
    boolean showStats;

    @Option(names = "--message-level", paramLabel = "N", defaultValue = "7",
            description = "bitmask of messages: 1 progress, 2 common, 4 error, 8 debug, 16 report (default 7)")
    void messageLevel(String value) {
        messageLevel = atoi(value);
    }

    int messageLevel = Console.DEFAULT_LEVEL;

    @Option(names = "-D", description = "print debug messages (message level 8)")
    boolean debug;

    @Option(names = {"-x", "-i", "-g", "--config", "--eppic", "--xen-syms", "--xen-vmcoreinfo",
            "--xen_phys_start", "-X", "--diskset", "--vtop"}, hidden = true, arity = "0..1",
            description = "makedumpfile options vmcore4j does not implement")
    List<String> unsupported = new ArrayList<>();

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "show the version")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "VMCORE and DUMPFILE(s)")
    List<Path> files = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    CollectorCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    private picocli.CommandLine spec() {
        return commandSpec.commandLine();
    }

    @Override
    public Integer call() {
        if (messageLevel < 0 || messageLevel > 31) {
            err.println("vmcore4j: Message_level(" + messageLevel + ") is invalid.");
            return Main.FAILED;
        }
        int level = messageLevel | (debug ? Console.DEBUG : 0) | (showStats ? Console.REPORT : 0);
        // with -F the dump goes to stdout, so every message goes to stderr
        Console console = flatten ? new Console(level, err, err) : new Console(level, out, err);
        String invalid = invalidCombination();
        if (invalid != null) {
            if (!invalid.isEmpty()) {
                console.error(invalid + "\n");
            }
            console.error("Commandline parameter is invalid.\nTry `vmcore4j --help' for more information.\n");
            return finish(console, Main.FAILED);
        }
        if (checkParams) {
            return Main.COMPLETED;
        }
        try {
            if (dumpDmesg) {
                return dmesg(console);
            }
            if (rearrange) {
                return rearrange(console);
            }
            if (reassemble) {
                return reassemble(console);
            }
            if (memUsage) {
                return memUsage(console);
            }
            return collect(console);
        } catch (IOException | RuntimeException e) {
            console.error(message(e) + "\n");
            return finish(console, Main.FAILED);
        }
    }

    private static String message(Throwable e) {
        if (e instanceof FileNotFoundException || e instanceof java.nio.file.NoSuchFileException) {
            return "Can't open " + e.getMessage() + ". No such file or directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** null when the command line is valid; otherwise a reason ("" when makedumpfile gives none). */
    private String invalidCombination() {
        if (!unsupported.isEmpty()) {
            return "This option of makedumpfile is not supported by vmcore4j (it needs no vmlinux, "
                    + "has no Xen/sadump input and no erase filters).";
        }
        int modes = (dumpDmesg ? 1 : 0) + (rearrange ? 1 : 0) + (reassemble ? 1 : 0) + (memUsage ? 1 : 0);
        if (modes > 1) {
            return "";
        }
        boolean compressed = compression != Compression.NONE;
        if (rearrange) {
            return files.size() == 1 && !compressed && !dumpLevelGiven && !elf && !flatten && !split ? null : "";
        }
        if (reassemble) {
            if (dryRun) {
                return "--dry-run cannot be used with --reassemble.";
            }
            return files.size() >= 2 && !compressed && !dumpLevelGiven && !elf && !flatten && !split ? null : "";
        }
        if (compressed && elf) {
            return "";
        }
        if (dryRun && dumpDmesg) {
            return "--dry-run cannot be used with --dump-dmesg.";
        }
        if (flatten && split) {
            return "";
        }
        if (numThreads < 0) {
            numThreads = 0; // makedumpfile: MAX(atoi(optarg), 0)
        }
        if (numThreads > 0 && split) {
            return "--num-threads cannot used with --split.";
        }
        if (numThreads > 0 && elf) {
            return "--num-threads cannot used with ELF format.";
        }
        if (partialDmesg && !dumpDmesg) {
            return "";
        }
        if (excludeUnusedVmemmap && workDir == null) {
            return "-e requires --work-dir"; // makedumpfile: its unused-page search reads whole bitmap files
        }
        if (memUsage && files.size() == 1) {
            return null; // VMCORE alone (makedumpfile also takes the forms below and ignores DUMPFILE)
        }
        if (dumpDmesg && (split || files.size() != (flatten ? 1 : 2))) {
            return ""; // VMCORE and LOGFILE; with -F, VMCORE alone (the log goes to standard output)
        }
        if (sizeLimit != null && parseSize(sizeLimit) <= 0) {
            return "Limit size(" + sizeLimit + ") is invalid.";
        }
        if (splitblockKib != null && splitblockKib < 0) {
            return "The splitblock size(" + splitblockKib + " KiB) is invalid.";
        }
        if (blockOrder != null && (blockOrder < 0 || blockOrder > 30)) {
            return "The block order(" + blockOrder + ") is invalid.";
        }
        if (workDir != null && !Files.isDirectory(workDir)) {
            return "The work directory(" + workDir + ") does not exist.";
        }
        if (split) {
            if (files.size() > 2 && elf) {
                return "Options for splitting dumpfile cannot be used with Elf format.";
            }
            return files.size() > 2 ? null : "";
        }
        if (flatten) {
            return files.size() == 1 ? null : "";
        }
        return files.size() == 2 ? null : "";
    }

    /** makedumpfile's memparse: a number (decimal, 0x hex or 0 octal) with an optional K/M/G/T/P/E suffix. */
    static long parseSize(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return -1;
        }
        int shift = 0;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int idx = "KMGTPE".indexOf(last);
        if (idx >= 0) {
            shift = 10 * (idx + 1);
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.decode(t);
            if (v < 0 || (shift > 0 && v > (Long.MAX_VALUE >> shift))) {
                return -1;
            }
            return v << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private int dmesg(Console console) throws IOException {
        Path vmcorePath = files.get(0);
        Path target = flatten ? null : files.get(1);
        if (target != null && !checkDumpFile(target, console)) {
            return finish(console, Main.FAILED);
        }
        try (Vmcore vmcore = open(vmcorePath, false)) {
            VmcoreInfo info = vmcore.vmcoreInfo().orElseThrow(() -> new IOException(
                    vmcorePath + " has no VMCOREINFO note; the kernel log cannot be located without it"));
            byte[] text = Dmesg.read(info, vmcore.kernelAddressSpace(), partialDmesg).makedumpfileText();
            if (target == null) {
                out.write(text); // -F: the log, as plain text, on standard output (as makedumpfile)
                out.flush();
            } else {
                try (OutputStream os = java.nio.channels.Channels.newOutputStream(DumpSink.createPrivate(target))) {
                    os.write(text);
                }
            }
        }
        console.common("\nThe dmesg log is saved to " + (target == null ? "STDOUT" : target.toString()) + ".\n");
        return finish(console, Main.COMPLETED);
    }

    /**
     * {@code --mem-usage}: the page classes of VMCORE, as makedumpfile's show_mem_usage prints them (on
     * success it prints no "Completed" line). makedumpfile first requires a "Crash kernel" range in
     * /proc/iomem, since its purpose there is sizing that reservation; the figures do not depend on it
     * (see {@link MemoryUsage}), so vmcore4j does not ask, and runs on a vmcore of another machine too.
     */
    private int memUsage(Console console) throws IOException {
        Path vmcorePath = files.get(0);
        try (Vmcore dump = open(vmcorePath, true)) {
            // makedumpfile refuses kernels before 4.11 unless -f: their /proc/kcore has no valid p_paddr
            String release = dump.vmcoreInfo().flatMap(VmcoreInfo::osRelease).orElse("");
            if (!force && olderThan(release, 4, 11)) {
                console.common("mem-usage not supported for this kernel.\n"
                        + "You can try with -f if your kernel's kcore has valid p_paddr\n");
                return finish(console, Main.FAILED);
            }
            MemoryUsage usage = MemoryUsage.of(dump, new ProgressPrinter(console));
            console.common(MemoryUsageTable.render(usage));
        }
        console.common("\n");
        return Main.COMPLETED;
    }

    /** Whether a kernel release such as {@code 4.9.0-8-amd64} is older than {@code major.minor}; false if unknown. */
    static boolean olderThan(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d{1,6})\\.(\\d{1,6})").matcher(release);
        if (!m.find()) {
            return false;
        }
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(2));
        return a < major || (a == major && b < minor);
    }

    private int rearrange(Console console) throws IOException {
        Path target = files.get(0);
        if (!checkDumpFile(target, console)) {
            return finish(console, Main.FAILED);
        }
        FlattenedRearranger.rearrange(in, "standard input", target);
        console.common("\nThe dumpfile is saved to " + target + ".\n");
        return finish(console, Main.COMPLETED);
    }

    private int reassemble(Console console) throws IOException {
        List<Path> parts = files.subList(0, files.size() - 1);
        Path target = files.get(files.size() - 1);
        if (!checkDumpFile(target, console)) {
            return finish(console, Main.FAILED);
        }
        ProgressPrinter progress = new ProgressPrinter(console);
        KdumpReassembler.Result r;
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(parts); DumpSink sink = DumpSink.toFile(target)) {
            r = KdumpReassembler.reassemble(set, sink, progress::copyProgress);
        }
        progress.finish(r.pages(), r.pages());
        console.common("\nThe dumpfile is saved to " + target + ".\n");
        return finish(console, Main.COMPLETED);
    }

    /**
     * Opens the input. {@code streaming}: the collector reads every dumpable page once, through one
     * small mapped window per thread, as makedumpfile maps /proc/vmcore (a whole-file mapping would
     * keep every page read in the resident set: 850 MB instead of 60 MB on a 1 GiB dump at -d 1), or
     * with pread under --non-mmap. The kernel log reads a few pages: the file is mapped whole.
     */
    private Vmcore open(Path given, boolean streaming) throws IOException {
        DumpArgument.Target target = DumpArgument.resolve(given, rawRanges, noBackupRemap, OpenOptions.defaults());
        Path file = target.file();
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException("the dump memory(" + file + ")");
        }
        if (!nonMmap && !streaming) {
            return Vmcore.open(file, target.options());
        }
        RandomAccessSource source = nonMmap ? ChannelSource.open(file)
                : WindowedFileSource.open(file, WindowedFileSource.DEFAULT_WINDOW_POWER);
        try {
            return Vmcore.open(source, target.options());
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    private int collect(Console console) throws IOException {
        Path vmcorePath = files.get(0);
        List<Path> targets = flatten ? List.of() : files.subList(1, files.size());
        for (Path t : targets) {
            if (!checkDumpFile(t, console)) {
                return finish(console, Main.FAILED);
            }
        }
        try (Vmcore dump = open(vmcorePath, true)) {
            if (split && splitblockKib != null && splitblockKib > 0
                    && splitblockKib * 1024 % dump.physicalMemory().pageSize() != 0) {
                // makedumpfile's check_splitblock_size, before any DUMPFILE is created
                console.error("The splitblock size must be align to page_size.\n");
                return finish(console, Main.FAILED);
            }
            int inputLevel = dump.dumpLevel();
            for (int attempt = 0; attempt < dumpLevels.size(); attempt++) {
                int level = dumpLevels.get(attempt);
                if ((level | inputLevel) != level) {
                    // makedumpfile's update_dump_level: what the input excluded stays excluded
                    console.common(String.format("dump_level is changed to %d, because %s was created by "
                            + "dump_level(%d).", level | inputLevel, vmcorePath, inputLevel));
                    level |= inputLevel;
                }
                try {
                    FilterReport report = write(dump, level, targets, console);
                    console.report("\n" + report.toMakedumpfileText());
                    console.common("\n");
                    if (flatten) {
                        console.common("The dumpfile is saved to standard output.\n");
                    } else if (split) {
                        StringBuilder sb = new StringBuilder("The dumpfiles are saved to ");
                        for (int i = 0; i < targets.size(); i++) {
                            sb.append(i == targets.size() - 1 ? "and " + targets.get(i) + ".\n"
                                    : targets.get(i) + ", ");
                        }
                        console.common(sb.toString());
                    } else if (!dryRun) {
                        console.common("The dumpfile is saved to " + targets.get(0) + ".\n");
                    }
                    return finish(console, Main.COMPLETED);
                } catch (IncompleteDumpException e) {
                    console.progress("\n");
                    boolean noSpace = e.getCause() instanceof OutputLimitException || isNoSpace(e.getCause());
                    boolean retry = noSpace && !flatten && attempt + 1 < dumpLevels.size();
                    // before a retry the partial file is deleted: say how far it got, not that it stays readable
                    console.error((retry ? String.format("Can't write the dump file after %d of %d pages: %s\n",
                            e.pagesWritten(), e.pagesTotal(), e.getCause().getMessage()) : e.getMessage() + "\n"));
                    if (retry) {
                        console.common("Retry to create a dumpfile by dump_level(" + dumpLevels.get(attempt + 1)
                                + ").\n");
                        for (Path t : targets) {
                            Files.deleteIfExists(t);
                        }
                        continue;
                    }
                    if (e.marked()) {
                        console.common("This is an incomplete dumpfile, but might analyzable.\n");
                    }
                    return finish(console, Main.FAILED);
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

    private FilterReport write(Vmcore dump, int level, List<Path> targets, Console console) throws IOException {
        PageFilter filter = PageFilter.forLevel(level);
        if (workDir != null) {
            filter = filter.withCycleMode(PageFilter.CycleMode.SINGLE); // makedumpfile: no cycles with --work-dir
        }
        if (excludeUnusedVmemmap) {
            filter = filter.withUnusedVmemmapExcluded(true);
        }
        if (cyclicBufferKib != null && cyclicBufferKib != 0) {
            // makedumpfile reads the size as an unsigned long and cuts it to the free memory; vmcore4j
            // cuts it to the most its bitmaps use
            long bytes = cyclicBufferKib * 1024;
            if (bytes < 0 || bytes > PageFilter.MAX_CYCLE_BUFFER_BYTES) {
                bytes = PageFilter.MAX_CYCLE_BUFFER_BYTES;
                console.common("Specified buffer size is larger than vmcore4j uses.\nThe buffer size for the "
                        + "cyclic mode will be truncated to " + bytes + " byte.\n");
            }
            filter = filter.withCycleBufferBytes(bytes);
        }
        ProgressPrinter progress = new ProgressPrinter(console);
        long limit = sizeLimit == null ? Long.MAX_VALUE : parseSize(sizeLimit);
        List<DumpSink> sinks = new ArrayList<>();
        try {
            if (flatten) {
                OutputStream stdout = new BufferedOutputStream(new NonClosing(out), 1 << 20);
                sinks.add(new FlattenedSink(stdout, "standard output", limit));
            } else if (dryRun) {
                for (Path t : targets) {
                    sinks.add(DumpSink.discarding(t + " (dry run)"));
                }
            } else {
                for (Path t : targets) {
                    DumpSink s = DumpSink.toFile(t);
                    sinks.add(limit == Long.MAX_VALUE ? s : DumpSink.limitedTo(s, limit));
                }
            }
            FilterReport report;
            if (elf) {
                report = ElfCollector.write(dump, filter, sinks.get(0), progress);
            } else {
                KdumpCollector.Options options = KdumpCollector.Options.of(compression).withWorkers(compressionWorkers());
                if (split) {
                    long block = splitblockKib == null || splitblockKib == 0
                            ? KdumpCollector.DEFAULT_SPLITBLOCK_BYTES : splitblockKib * 1024;
                    report = KdumpCollector.writeSplit(dump, filter, options, sinks, block, progress);
                } else {
                    report = KdumpCollector.write(dump, filter, options, sinks.get(0), progress);
                }
            }
            progress.finish(report.remainingPages(), report.remainingPages());
            return report;
        } finally {
            IOException closing = null;
            for (DumpSink s : sinks) {
                try {
                    s.close();
                } catch (IOException e) {
                    closing = e;
                }
            }
            if (closing != null) {
                throw closing;
            }
        }
    }

    /** makedumpfile's check_dump_file: an existing DUMPFILE is replaced only with -f. */
    private boolean checkDumpFile(Path target, Console console) throws IOException {
        if (Files.exists(target)) {
            if (!force) {
                console.error("Can't open the dump file(" + target + "). File exists.\n");
                return false;
            }
            Files.delete(target);
        }
        return true;
    }

    private static int finish(Console console, int status) {
        console.common(status == Main.COMPLETED ? "\nvmcore4j Completed.\n" : "\nvmcore4j Failed.\n");
        return status;
    }

    /** Standard output must survive the sink's close, so the final messages can still be printed. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** {@code -v}: the version, as makedumpfile prints its own. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CollectorCommand.class.getPackage().getImplementationVersion();
            return new String[] {"vmcore4j: version " + (v != null ? v : "development build"),
                    "compression: zlib, lzo (lzo1x_1, pure Java), snappy, zstd; lz4 (vmcore4j extension)"};
        }
    }
}
