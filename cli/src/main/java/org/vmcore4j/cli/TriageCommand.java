package org.vmcore4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import org.vmcore4j.cli.triage.KernelStack;
import org.vmcore4j.cli.archive.TarWriter;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vmcore4j triage DUMP... OUT.tar.gz}: what to keep of a dump when the dump itself cannot be kept,
 * in one small deterministic archive (the same dump gives the same bytes). Every part that can be
 * read goes in; what cannot is listed in {@code README.txt}, so a damaged dump still gives a bundle.
 */
@Command(name = "triage", description = "Write a small bundle (tar.gz) of the kernel log, every CPU's registers, "
        + "VMCOREINFO, info --json, the crash signature and the crashing task's kernel stack.")
final class TriageCommand implements Callable<Integer> {
    static final String DMESG = "dmesg.txt";
    static final String REGISTERS = "registers.txt";
    static final String VMCOREINFO = "vmcoreinfo.txt";
    static final String INFO = "info.json";
    static final String SIGNATURE = "signature.json";
    static final String STACK = "kernel-stack.bin";
    static final String STACK_TEXT = "kernel-stack.txt";
    static final String README = "README.txt";

    private final PrintStream err;
    private final InputStream in;

    @Parameters(arity = "2..*", paramLabel = "DUMP... OUT.tar.gz", description = "the dump, in any format vmcore4j "
            + "reads (every part of a --split set; '-' for one on standard input), then the bundle to write")
    List<Path> files;

    Path target;

    @Option(names = "-f", description = "overwrite OUT.tar.gz if it exists")
    boolean force;

    @Mixin
    DumpOpening opening = new DumpOpening();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    TriageCommand(PrintStream err, InputStream in) {
        this.err = err;
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        target = files.get(files.size() - 1);
        List<Path> dumps = files.subList(0, files.size() - 1);
        if (Files.exists(target) && !force) {
            err.println("vmcore4j: " + target + " exists; give -f to replace it");
            return Main.FAILED;
        }
        Files.deleteIfExists(target);
        List<String> missing = new ArrayList<>();
        DumpInput.Opened input = opening.open(dumps, in);
        try (Vmcore vmcore = input.dump();
                OutputStream file = new BufferedOutputStream(Channels.newOutputStream(DumpSink.createPrivate(target)));
                GZIPOutputStream gz = new GZIPOutputStream(file, 1 << 16)) {
            TriageReport report = TriageReport.of(vmcore, input.inputBytes());
            // the crash time as every member's time: the bundle's bytes depend on the dump alone
            TarWriter tar = new TarWriter(gz, report.crashTime().orElse(0));
            Dmesg log = readLog(vmcore, missing);
            if (log != null) {
                tar.add(DMESG, log.makedumpfileText());
            }
            tar.add(REGISTERS, registers(vmcore.cpus()));
            vmcore.vmcoreInfo().ifPresentOrElse(
                    i -> addQuietly(tar, VMCOREINFO, i.text().getBytes(StandardCharsets.ISO_8859_1)),
                    () -> missing.add(VMCOREINFO + ": " + DumpOpening.missingVmcoreInfo(vmcore, "the bundle")));
            tar.add(INFO, Json.write(report.toJson()).getBytes(StandardCharsets.UTF_8));
            tar.add(SIGNATURE, Json.write(SignatureJson.toJson(report.signature())).getBytes(StandardCharsets.UTF_8));
            addStack(tar, vmcore, report, missing);
            tar.add(README, readme(report, missing).getBytes(StandardCharsets.UTF_8));
            tar.close();
        }
        return Main.COMPLETED;
    }

    private static Dmesg readLog(Vmcore vmcore, List<String> missing) {
        try {
            VmcoreInfo info = DumpOpening.requireVmcoreInfo(vmcore, "the kernel log");
            Dmesg log = Dmesg.read(info, vmcore.kernelAddressSpace());
            log.damage().ifPresent(d -> missing.add(DMESG + ": holds the log up to its damage: " + d));
            return log;
        } catch (IOException | RuntimeException e) {
            missing.add(DMESG + ": " + e.getMessage());
            return null;
        }
    }

    /** One line per value, named as libkdumpfile's attributes: {@code cpu.N.pid}, {@code cpu.N.reg.NAME 0x...}. */
    static byte[] registers(List<CpuState> cpus) {
        StringBuilder sb = new StringBuilder();
        for (CpuState c : cpus) {
            sb.append("cpu.").append(c.cpu()).append(".pid ").append(c.pid()).append('\n');
            for (Map.Entry<String, Long> r : c.registers().entrySet()) {
                sb.append("cpu.").append(c.cpu()).append(".reg.").append(r.getKey()).append(" 0x")
                        .append(Long.toHexString(r.getValue())).append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The crashing task's stack: the CPU whose note holds the reported pid, else the reported CPU. */
    private static void addStack(TarWriter tar, Vmcore vmcore, TriageReport report, List<String> missing)
            throws IOException {
        var sig = report.signature();
        int cpu = sig.cpuFromNotes().isPresent() ? sig.cpuFromNotes().getAsInt()
                : sig.crashingCpu().isPresent() ? sig.crashingCpu().getAsInt() : -1;
        CpuState state = vmcore.cpus().stream().filter(c -> c.cpu() == cpu).findFirst().orElse(null);
        if (state == null) {
            missing.add(STACK + ": the crashing CPU is not known (no crash report in the log, no single busy CPU)");
            return;
        }
        if (vmcore.vmcoreInfo().isEmpty()) {
            missing.add(STACK + ": " + DumpOpening.missingVmcoreInfo(vmcore, "finding the stack"));
            return;
        }
        KernelStack.Result r = KernelStack.read(vmcore, state);
        if (r.stack().isEmpty()) {
            missing.add(STACK + ": " + r.why().orElse("unknown"));
            return;
        }
        KernelStack s = r.stack().get();
        var layout = vmcore.architecture().support().kernelStackLayout().orElseThrow();
        tar.add(STACK, s.bytes());
        tar.add(STACK_TEXT, s.describe(layout.stackPointerRegister(), layout.threadSize()).getBytes(StandardCharsets.US_ASCII));
    }

    private static void addQuietly(TarWriter tar, String name, byte[] data) {
        try {
            tar.add(name, data);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String readme(TriageReport report, List<String> missing) {
        StringBuilder sb = new StringBuilder("vmcore4j triage bundle of " + report.file() + " (" + report.format()
                + ", " + report.fileSize() + " bytes)\n\n");
        sb.append(DMESG).append(": the kernel log as makedumpfile --dump-dmesg writes it\n");
        sb.append(REGISTERS).append(": every CPU's NT_PRSTATUS registers, named as libkdumpfile's cpu.N.reg.*\n");
        sb.append(VMCOREINFO).append(": the VMCOREINFO text\n");
        sb.append(INFO).append(": vmcore4j info --json\n");
        sb.append(SIGNATURE).append(": the crash signature (see CrashSignature for its normalisation)\n");
        sb.append(STACK).append(": THREAD_SIZE bytes of the crashing task's kernel stack, found from the stack pointer "
                + "its CPU saved (see ").append(STACK_TEXT).append(")\n");
        if (!missing.isEmpty()) {
            sb.append("\nNot included:\n");
            missing.forEach(m -> sb.append("  ").append(m).append('\n'));
        }
        return sb.toString();
    }
}
