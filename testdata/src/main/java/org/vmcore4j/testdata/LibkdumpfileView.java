package org.vmcore4j.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What python3-libkdumpfile reads from one dump ({@code kdumpfile_view.py}): whether it opens, a
 * few attributes, every CPU's registers, and each page of a PFN range (its bytes, or no data).
 *
 * @param run       the script's run; a crash of libkdumpfile shows as a non-zero exit status
 * @param openError libkdumpfile's error where it does not open the dump, else null
 * @param attrs     {@code file.format}, {@code arch.name}, {@code max_pfn}, {@code linux.uts.release},
 *                  {@code xen.type}, {@code cpu.number}; {@code <KeyError>} (or another exception
 *                  name in angle brackets) where libkdumpfile has none
 * @param registers per CPU, register name to value
 * @param pages     per PFN read, its bytes, or null where libkdumpfile says it has no data
 * @param errors    per PFN whose read failed otherwise, the error
 */
public record LibkdumpfileView(AnalysisTools.ToolRun run, String openError, Map<String, String> attrs,
        Map<Integer, Map<String, Long>> registers, Map<Long, byte[]> pages, Map<Long, String> errors) {

    /** Whether the script ran to its end (libkdumpfile did not crash) and libkdumpfile opened the dump. */
    public boolean opened() {
        return run.ok() && openError == null;
    }

    /** Reads {@code dump} with libkdumpfile, pages {@code [0, pages)}. */
    public static LibkdumpfileView of(Path dump, long pages) throws IOException {
        Path script = Files.createTempFile("kdumpfile_view", ".py");
        AnalysisTools.ToolRun r;
        try (InputStream in = LibkdumpfileView.class.getResourceAsStream("kdumpfile_view.py")) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("resource kdumpfile_view.py is missing"));
            }
            Files.write(script, in.readAllBytes());
            r = AnalysisTools.run(List.of(Corpus.systemPython(), script.toString(), dump.toString(),
                    Long.toString(pages)), null, Duration.ofMinutes(2));
        } finally {
            Files.deleteIfExists(script);
        }
        String openError = r.ok() ? null : "exit status " + r.exitCode() + ": " + r.stderr().strip();
        Map<String, String> attrs = new LinkedHashMap<>();
        Map<Integer, Map<String, Long>> regs = new TreeMap<>();
        Map<Long, byte[]> pageBytes = new TreeMap<>();
        Map<Long, String> errors = new TreeMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split(" ", 4);
            switch (f[0]) {
                case "open" -> openError = f[1].equals("ok") ? openError : line.substring("open error ".length());
                case "attr" -> attrs.put(f[1], f[2]);
                case "reg" -> regs.computeIfAbsent(Integer.parseInt(f[1]), c -> new LinkedHashMap<>())
                        .put(f[2], Long.parseUnsignedLong(f[3], 16));
                case "page" -> {
                    long pfn = Long.parseLong(f[1]);
                    if (f[2].equals("nodata")) {
                        pageBytes.put(pfn, null);
                    } else if (f[2].equals("error")) {
                        errors.put(pfn, line);
                    } else {
                        pageBytes.put(pfn, HexFormat.of().parseHex(f[2]));
                    }
                }
                case "" -> { }
                default -> throw new AssertionError("kdumpfile_view.py printed an unknown line: " + line);
            }
        }
        return new LibkdumpfileView(r, openError, attrs, regs, pageBytes, errors);
    }
}
