package org.vmcore4j.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.vmcore4j.kdump.codec.Compression;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The makedumpfile-compatible command: {@code vmcore4j [OPTION]... VMCORE DUMPFILE}. Options keep
 * makedumpfile's names, meaning, defaults and refusals of invalid combinations (exit status 1, as
 * makedumpfile's "Commandline parameter is invalid."), so the jar can stand in as kdump's
 * {@code core_collector}; messages follow {@code --message-level}. This class holds the options and
 * picks the mode; {@link OptionCombinationCheck} refuses what makedumpfile refuses, and each mode
 * ({@link CollectMode}, {@link DmesgMode}, {@link MemUsageMode}, {@link RearrangeMode},
 * {@link ReassembleMode}) reads the options it needs.
 */
@Command(name = "vmcore4j", sortOptions = false,
        description = "Read, filter and collect Linux kernel crash dumps (makedumpfile-compatible).%n"
                + "  vmcore4j [OPTION]... VMCORE DUMPFILE%n"
                + "  vmcore4j -F [OPTION]... VMCORE > DUMPFILE.flat%n"
                + "  vmcore4j --split [OPTION]... VMCORE DUMPFILE1 DUMPFILE2 [DUMPFILE3...]%n"
                + "  vmcore4j -R DUMPFILE < DUMPFILE.flat%n"
                + "  vmcore4j --reassemble DUMPFILE1 DUMPFILE2 [...] DUMPFILE%n"
                + "  vmcore4j --dump-dmesg [--partial-dmesg] VMCORE LOGFILE%n"
                + "  vmcore4j --mem-usage VMCORE%n"
                + "  vmcore4j info DUMP... [--json]%n"
                + "  vmcore4j read [--physical|--kernel-virtual] DUMP... ADDRESS LENGTH [ADDRESS LENGTH]...%n"
                + "VMCORE and DUMP: a file, every part of a --split set, or - for a dump (makedumpfile -F) on "
                + "standard input.",
        versionProvider = CollectorCommand.Version.class)
final class CollectorCommand implements Callable<Integer> {
    final PrintStream out;
    private final PrintStream err;
    final InputStream in;

    Compression compression = Compression.NONE;
    List<Integer> dumpLevels = List.of(0);
    boolean dumpLevelGiven;

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
            int l = NumericOptions.atoi(s);
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
        numThreads = NumericOptions.atoi(value);
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

    @Option(names = ArchiveOutput.OPTION, description = "vmcore4j extension: write DUMPFILE as an uncompressed tar "
            + "holding metadata.txt (kernel release and version, host name, crash time, these options), the capture "
            + "system's /etc/os-release and the dump as member 'vmcore', written in place (no second copy); vmcore4j "
            + "reads the archive directly, tar -xf unpacks it")
    boolean archive;

    @Option(names = "--raw-ranges", paramLabel = "FILE", description = "vmcore4j extension: VMCORE is a raw memory "
            + "image; FILE's lines 'FILE_OFFSET PHYSICAL_ADDRESS LENGTH' say where it holds which memory (VMCORE@ADDRESS: "
            + "all of it from ADDRESS on)")
    Path rawRanges;

    @Option(names = "--no-backup-remap", description = "vmcore4j extension: read a whole-machine image (QEMU/virsh "
            + "memory dump, raw image) as it is, even if it holds a kexec capture (by default the crashed kernel's memory "
            + "is read, kexec's backup region from its copy)")
    boolean noBackupRemap;

    @Option(names = "-f", description = "overwrite DUMPFILE if it exists")
    boolean force;

    @Option(names = "-b", paramLabel = "ORDER", description = "accepted for compatibility (makedumpfile's write "
            + "cache of 2^ORDER pages); vmcore4j's buffers do not depend on it")
    void blockOrder(String value) {
        blockOrder = NumericOptions.atoi(value);
    }

    Integer blockOrder;

    @Option(names = "--cyclic-buffer", paramLabel = "KB", description = "bitmap memory per cycle in KiB "
            + "(default 4096: 2^25 pages per cycle; larger sizes are cut to the most vmcore4j uses)")
    void cyclicBuffer(String value) {
        cyclicBufferKib = (long) NumericOptions.atoi(value);
    }

    Long cyclicBufferKib;

    @Option(names = "--splitblock-size", paramLabel = "KB", description = "granularity of --split ranges in KiB "
            + "(default 1048576; 0 means the default)")
    void splitblock(String value) {
        splitblockKib = (long) NumericOptions.atoi(value);
    }

    Long splitblockKib;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "build the bitmaps in one pass, as makedumpfile "
            + "does with --work-dir (a PT_LOAD's partial last page then counts as RAM); vmcore4j keeps them in memory "
            + "and writes nothing to DIR")
    Path workDir;

    @Option(names = "--non-mmap", description = "read /proc/vmcore with read calls instead of mapping it (by default "
            + "the collector maps a 4 MiB window of /proc/vmcore per thread at a time; other files are always read "
            + "with read calls)")
    boolean nonMmap;

    @Option(names = "--dry-run", description = "do everything but write the output")
    boolean dryRun;

    @Option(names = "--check-params", description = "only check the command line")
    boolean checkParams;

    @Option(names = "--show-stats", description = "print the report (message level 16)")
    boolean showStats;

    @Option(names = "--message-level", paramLabel = "N", defaultValue = "7",
            description = "bitmask of messages: 1 progress, 2 common, 4 error, 8 debug, 16 report (default 7)")
    void messageLevel(String value) {
        messageLevel = NumericOptions.atoi(value);
    }

    int messageLevel = MessageOutput.DEFAULT_LEVEL;

    @Option(names = "-D", description = "print debug messages (message level 8)")
    boolean debug;

    @Option(names = {"-i", DumpOpening.OPTION}, paramLabel = "FILE", description = "VMCOREINFO text for a VMCORE "
            + "without the note (makedumpfile's -i; KEY=value lines as /sys/kernel/vmcoreinfo's note or makedumpfile -g "
            + "holds them): it is then classified, translated and filtered with it")
    Path vmcoreInfoFile;

    @Option(names = {"-x", "-g", "--config", "--eppic", "--xen-syms", "--xen-vmcoreinfo",
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
        int level = messageLevel | (debug ? MessageOutput.DEBUG : 0) | (showStats ? MessageOutput.REPORT : 0);
        // with -F the dump goes to stdout, so every message goes to stderr
        MessageOutput messages = flatten ? new MessageOutput(level, err, err) : new MessageOutput(level, out, err);
        String invalid = OptionCombinationCheck.invalidCombination(this);
        if (invalid != null) {
            if (!invalid.isEmpty()) {
                messages.error(invalid + "\n");
            }
            messages.error("Commandline parameter is invalid.\nTry `vmcore4j --help' for more information.\n");
            return messages.finish(Main.FAILED);
        }
        if (checkParams) {
            return Main.COMPLETED;
        }
        try {
            if (dumpDmesg) {
                return DmesgMode.run(this, messages);
            }
            if (rearrange) {
                return RearrangeMode.run(this, messages);
            }
            if (reassemble) {
                return ReassembleMode.run(this, messages);
            }
            if (memUsage) {
                return MemUsageMode.run(this, messages);
            }
            return CollectMode.run(this, messages);
        } catch (IOException | RuntimeException e) {
            messages.error(DumpOpening.withOptionHint(message(e)) + "\n");
            return messages.finish(Main.FAILED);
        }
    }

    private static String message(Throwable e) {
        if (e instanceof FileNotFoundException || e instanceof java.nio.file.NoSuchFileException) {
            return "Can't open " + e.getMessage() + ". No such file or directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** {@code -v}: the version, as makedumpfile prints its own. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CollectorCommand.class.getPackage().getImplementationVersion();
            return new String[] {"vmcore4j: version " + (v != null ? v : "development build"),
                    "compression: zlib, lzo, snappy, zstd; lz4 (vmcore4j extension)",
                    "lzo encoder: " + org.vmcore4j.kdump.internal.codec.PageCodec.lzoEncoderDescription()};
        }
    }
}
