package org.vmcore4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmcore4j.core.AddressSpace;
import org.vmcore4j.core.ReadResult;
import org.vmcore4j.core.Vmcore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vmcore4j read [--physical|--kernel-virtual] DUMP... ADDRESS LENGTH [ADDRESS LENGTH]...}:
 * memory of the dump in libkdumpfile's {@code dumpdata} layout ({@link DumpdataLayout}), one read per
 * pair, so a conformance suite written for libkdumpfile runs against vmcore4j. Unlike dumpdata,
 * which stops at the first pair that fails, every pair is read; each run of unreadable bytes is
 * printed as {@code ??} and reported on standard error with its address and reason
 * ({@link ReadFailure}), and the exit status is the first failure's.
 */
@Command(name = "read", description = "Print memory of a dump as hex bytes, 16 per line, in the layout of "
        + "libkdumpfile's dumpdata test tool ('??' where a byte cannot be read; the reason on standard error).",
        footer = {"ADDRESS and LENGTH: 0x-hexadecimal, 0-octal or decimal; ADDRESS may carry its address space as "
                + "dumpdata's do: KPHYSADDR:, MACHPHYSADDR: (physical) or KVADDR: (kernel virtual).",
                "The DUMP arguments are those before the first that reads as an ADDRESS (name a file called 123 as ./123).",
                "Exit status: 0 all read; 1 bad usage or the dump does not open; otherwise the first failed read's: "
                        + ReadFailure.EXIT_STATUS_TABLE})
final class ReadCommand implements Callable<Integer> {
    /** Bytes asked of the dump at a time. */
    private static final int CHUNK = 1 << 16;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    @ArgGroup(exclusive = true)
    AddressSpaceChoice space = new AddressSpaceChoice();

    static final class AddressSpaceChoice {
        @Option(names = "--physical", description = "ADDRESS is physical (the default)")
        boolean physical;

        @Option(names = "--kernel-virtual", description = "ADDRESS is a kernel virtual address, translated with the "
                + "dump's VMCOREINFO and page tables")
        boolean kernelVirtual;
    }

    @Option(names = "--addresses", paramLabel = "FILE", description = "read the ADDRESS LENGTH pairs of FILE too "
            + "(one pair a line, after those of the command line; blank lines and lines starting with # are skipped)")
    Path addressFile;

    @Mixin
    DumpOpening opening = new DumpOpening();

    @Parameters(arity = "1..*", paramLabel = "DUMP... ADDRESS LENGTH", description = "the dump (every part of a --split "
            + "set; '-' for one on standard input), then the pairs to read")
    List<String> args;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    ReadCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        int firstAddress = 0;
        while (firstAddress < args.size() && !(ReadRequest.isAddress(args.get(firstAddress))
                && !Files.exists(Path.of(args.get(firstAddress))))) {
            firstAddress++;
        }
        List<Path> dumps = args.subList(0, firstAddress).stream().map(Path::of).toList();
        List<ReadRequest> requests;
        try {
            if (dumps.isEmpty()) {
                throw new IllegalArgumentException("no DUMP before " + args.get(0));
            }
            requests = new ArrayList<>(ReadRequest.parse(args.subList(firstAddress, args.size()),
                    space.kernelVirtual, "command line"));
            if (addressFile != null) {
                requests.addAll(fromFile(addressFile, space.kernelVirtual));
            }
            if (requests.isEmpty()) {
                throw new IllegalArgumentException("no ADDRESS LENGTH to read");
            }
        } catch (IllegalArgumentException e) {
            err.println("vmcore4j read: " + e.getMessage());
            err.println("Try `vmcore4j read --help' for more information.");
            return Main.FAILED;
        }
        ReadFailure first = null;
        try (Vmcore vmcore = opening.open(dumps, in).dump()) {
            if (requests.stream().anyMatch(ReadRequest::kernelVirtual)) {
                // here, not per read: a dump without VMCOREINFO is a usage problem (status 1), not a failed read
                DumpOpening.kernelAddressSpace(vmcore, "reading kernel virtual addresses");
            }
            DumpdataLayout layout = new DumpdataLayout(out);
            byte[] buffer = new byte[CHUNK];
            for (ReadRequest r : requests) {
                ReadFailure f = read(vmcore, r, buffer, layout);
                first = first == null ? f : first;
            }
            layout.flush();
        }
        return first == null ? Main.COMPLETED : first.exitStatus();
    }

    private static List<ReadRequest> fromFile(Path file, boolean kernelVirtual) throws IOException {
        List<ReadRequest> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = file + " line " + (i + 1);
            if (f.length != 2) {
                throw new IllegalArgumentException(where + ": not 'ADDRESS LENGTH': " + line);
            }
            out.add(ReadRequest.parse(f[0], f[1], kernelVirtual, where));
        }
        return out;
    }

    /**
     * One pair, through {@link Vmcore#read(AddressSpace, long, byte[], int, int)}, which says how far
     * it read and why it stopped. dumpdata then prints {@code ??} for the byte that stopped it and
     * retries at the next; every reader here fails whole pages (a frame's status, a translation, a
     * compressed page), so the retries would fail up to the page's end, and the page's rest is
     * printed as {@code ??} at once. Returns the pair's first failure, or null.
     */
    private ReadFailure read(Vmcore vmcore, ReadRequest r, byte[] buffer, DumpdataLayout layout) throws IOException {
        int pageSize = vmcore.physicalMemory().pageSize();
        AddressSpace space = r.kernelVirtual() ? AddressSpace.KERNEL_VIRTUAL : AddressSpace.PHYSICAL;
        ReadFailure first = null;
        boolean inFailure = false;
        long address = r.address();
        long remaining = r.length();
        while (remaining > 0) {
            int n = (int) Math.min(remaining, buffer.length);
            ReadResult result;
            try {
                result = vmcore.read(space, address, buffer, 0, n);
            } catch (IOException e) { // the file itself could not be read there
                result = new ReadResult(0, ReadResult.Outcome.CORRUPT, address, String.valueOf(e.getMessage()));
            }
            layout.bytes(address, buffer, 0, result.bytesRead());
            address += result.bytesRead();
            remaining -= result.bytesRead();
            if (result.isComplete()) {
                inFailure = false;
                continue;
            }
            ReadFailure failure = ReadFailure.of(result.outcome());
            if (!inFailure) {
                err.println(String.format(Locale.ROOT, "vmcore4j: read failed at 0x%x (%s): %s: %s", address,
                        r.kernelVirtual() ? "kernel virtual" : "physical", failure.description(), result.detail()));
            }
            first = first == null ? failure : first;
            inFailure = true;
            int unreadable = (int) Math.min(remaining, pageSize - (address & (pageSize - 1)));
            layout.unreadable(address, unreadable);
            address += unreadable;
            remaining -= unreadable;
        }
        layout.endRead(address);
        return first;
    }
}
