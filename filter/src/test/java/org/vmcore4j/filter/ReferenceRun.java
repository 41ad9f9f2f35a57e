package org.vmcore4j.filter;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of a reference makedumpfile with {@code -F} (flattened output on stdout), reduced to what
 * the differential tests compare: the two bitmaps of the kdump-compressed file and the report that
 * {@code --message-level 16} prints. Nothing is written to disk but a small cache under
 * {@code target/} keyed by the inputs' sizes and times, so re-runs skip the reference tool.
 *
 * <p>The flattened stream is parsed here (FORMATS.md §2: a 4096-byte header, then big-endian
 * {offset, size} records); the kdump header fields come from the LP64 layout of §1.2 (block_size at
 * 428, sub_hdr_size at 432, bitmap_blocks at 436, max_mapnr at 440), little-endian for x86_64 dumps.
 */
public record ReferenceRun(long maxMapnr, byte[] bitmap1, byte[] bitmap2, String stderr, Map<String, Long> report,
        long millis) {

    private static final Pattern LINE = Pattern.compile("^(\\s*[A-Za-z][A-Za-z -]*?)\\s*: 0x([0-9a-f]{16})$");
    /** Where reference runs are cached, per module. */
    public static final Path CACHE = Path.of("target", "makedumpfile-ref");

    /** makedumpfile's arguments for a reference kdump run at {@code level}, into a flattened stream. */
    public static List<String> kdumpArgs(int level, String... extra) {
        List<String> a = new ArrayList<>(List.of("-F", "-d", Integer.toString(level), "--message-level", "16"));
        a.addAll(List.of(extra));
        return a;
    }

    private static final int CACHE_FORMAT = 1;

    /** Runs {@code binary args... vmcore} (args must include {@code -F}), or reads the cached result. */
    static ReferenceRun run(Path binary, Path vmcore, List<String> args, Path cacheDir) throws IOException,
            InterruptedException {
        return run(binary, vmcore, args, cacheDir, true);
    }

    /** {@code makedumpfile -F -E -d level}: the report only (the ELF stream is read and dropped). */
    public static ReferenceRun runElf(Path binary, Path vmcore, int level, Path cacheDir) throws IOException,
            InterruptedException {
        return run(binary, vmcore, List.of("-F", "-E", "-d", Integer.toString(level), "--message-level", "16"),
                cacheDir, false);
    }

    private static ReferenceRun run(Path binary, Path vmcore, List<String> args, Path cacheDir, boolean kdump)
            throws IOException, InterruptedException {
        String key = CACHE_FORMAT + "|" + binary.toAbsolutePath() + "|" + Files.size(binary) + "|"
                + Files.getLastModifiedTime(binary).toMillis() + "|" + vmcore.toAbsolutePath() + "|" + Files.size(vmcore)
                + "|" + Files.getLastModifiedTime(vmcore).toMillis() + "|" + String.join(" ", args);
        String name = Integer.toHexString(key.hashCode()) + "-" + vmcore.getParent().getFileName() + "-"
                + String.join("", args).replaceAll("[^A-Za-z0-9]", "");
        Path dir = cacheDir.resolve(name);
        ReferenceRun cached = load(dir, key);
        if (cached != null) {
            return cached;
        }
        ReferenceRun r = execute(binary, vmcore, args, kdump);
        store(dir, key, r);
        return r;
    }

    private static ReferenceRun execute(Path binary, Path vmcore, List<String> args, boolean kdump)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        cmd.add(vmcore.toString());
        Path err = Files.createTempFile("mdf-stderr", ".txt");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            Parsed parsed;
            try (InputStream in = p.getInputStream()) {
                if (kdump) {
                    parsed = parseFlattened(new DataInputStream(new BufferedInputStream(in, 1 << 16)));
                } else {
                    in.transferTo(OutputStream.nullOutputStream());
                    parsed = new Parsed(-1, new byte[0], new byte[0]);
                }
            } catch (IOException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timeout: " + cmd);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String stderr = Files.readString(err, StandardCharsets.ISO_8859_1);
            if (p.exitValue() != 0) {
                throw new IOException(cmd + " exited " + p.exitValue() + ":\n" + stderr);
            }
            return new ReferenceRun(parsed.maxMapnr, parsed.bitmap1, parsed.bitmap2, stderr, parseReport(stderr), ms);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private record Parsed(long maxMapnr, byte[] bitmap1, byte[] bitmap2) {
    }

    /** Replays the flattened stream, keeping only the disk_dump_header block and the bitmaps. */
    static Parsed parseFlattened(DataInputStream in) throws IOException {
        byte[] flatHeader = new byte[4096];
        in.readFully(flatHeader);
        if (!new String(flatHeader, 0, 12, StandardCharsets.US_ASCII).equals("makedumpfile")
                || ByteBuffer.wrap(flatHeader).getLong(16) != 1) {
            throw new IOException("not a flattened makedumpfile stream");
        }
        byte[] head = new byte[4096];
        boolean headSeen = false;
        long bitmapOff = -1;
        byte[] bitmaps = null;
        byte[] skip = new byte[1 << 16];
        while (true) {
            long off;
            long size;
            try {
                off = in.readLong();
                size = in.readLong();
            } catch (EOFException e) {
                throw new IOException("flattened stream ends without its end marker", e);
            }
            if (off == -1 && size == -1) {
                break;
            }
            if (off < 0 || size <= 0 || size > (1L << 32)) {
                throw new IOException("bad flattened record " + off + "/" + size);
            }
            long pos = off;
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(left, skip.length);
                in.readFully(skip, 0, n);
                if (pos < head.length) {
                    int m = (int) Math.min(n, head.length - pos);
                    System.arraycopy(skip, 0, head, (int) pos, m);
                    headSeen = true;
                }
                if (pos + n > head.length) {
                    if (bitmaps == null) {
                        if (!headSeen) {
                            throw new IOException("a record at " + pos + " precedes the kdump header");
                        }
                        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
                        int block = h.getInt(428);
                        int subHdr = h.getInt(432);
                        int bitmapBlocks = h.getInt(436);
                        bitmapOff = (long) (1 + subHdr) * block;
                        bitmaps = new byte[Math.multiplyExact(bitmapBlocks, block)];
                    }
                    long a = Math.max(pos, bitmapOff);
                    long b = Math.min(pos + n, bitmapOff + bitmaps.length);
                    if (a < b) {
                        System.arraycopy(skip, (int) (a - pos), bitmaps, (int) (a - bitmapOff), (int) (b - a));
                    }
                }
                pos += n;
                left -= n;
            }
        }
        if (!new String(head, 0, 8, StandardCharsets.US_ASCII).equals("KDUMP   ") || bitmaps == null) {
            throw new IOException("no kdump-compressed header or bitmaps in the stream");
        }
        long maxMapnr = Integer.toUnsignedLong(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(440));
        int half = bitmaps.length / 2;
        return new Parsed(maxMapnr, Arrays.copyOfRange(bitmaps, 0, half), Arrays.copyOfRange(bitmaps, half, bitmaps.length));
    }

    /** The "Label : 0x..." lines of print_report, by label. */
    static Map<String, Long> parseReport(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher x = LINE.matcher(line);
            if (x.matches()) {
                String label = x.group(1).trim();
                // "in ELF format" appears twice: after Excluded and after Remaining
                if (label.equals("in ELF format")) {
                    label = m.containsKey("Remaining pages") ? "Remaining in ELF format" : "Excluded in ELF format";
                }
                m.put(label, Long.parseUnsignedLong(x.group(2), 16));
            }
        }
        return m;
    }

    /** The report block from "Original pages" through "Total pages", as printed. */
    public String reportBlock() {
        int a = stderr.indexOf("Original pages");
        int b = stderr.indexOf('\n', stderr.indexOf("Total pages", a));
        if (a < 0 || b < 0) {
            throw new IllegalStateException("no report in:\n" + stderr);
        }
        return stderr.substring(a, b + 1);
    }

    public long get(String label) {
        Long v = report.get(label);
        if (v == null) {
            throw new IllegalStateException("no '" + label + "' in the report:\n" + stderr);
        }
        return v;
    }

    private static ReferenceRun load(Path dir, String key) throws IOException {
        Path k = dir.resolve("key");
        if (!Files.isRegularFile(k) || !Files.readString(k).equals(key)) {
            return null;
        }
        String stderr = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.ISO_8859_1);
        String meta = Files.readString(dir.resolve("meta"));
        String[] parts = meta.split(" ");
        return new ReferenceRun(Long.parseLong(parts[0]), Files.readAllBytes(dir.resolve("bitmap1")),
                Files.readAllBytes(dir.resolve("bitmap2")), stderr, parseReport(stderr), Long.parseLong(parts[1]));
    }

    private static void store(Path dir, String key, ReferenceRun r) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("bitmap1"), r.bitmap1);
        Files.write(dir.resolve("bitmap2"), r.bitmap2);
        Files.writeString(dir.resolve("stderr.txt"), r.stderr, StandardCharsets.ISO_8859_1);
        Files.writeString(dir.resolve("meta"), r.maxMapnr + " " + r.millis);
        Files.writeString(dir.resolve("key"), key); // last: marks the entry complete
    }
}
