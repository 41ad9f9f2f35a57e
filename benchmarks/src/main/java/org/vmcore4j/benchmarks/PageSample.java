package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.PageFilter;
import org.vmcore4j.kdump.codec.Compression;
import org.vmcore4j.kdump.internal.codec.PageCodec;

/**
 * A fixed, seeded sample of the pages a filtered dump of a real crash stores: the frames
 * {@code makedumpfile -d LEVEL} keeps (default 31, so no zero, cache, user or free pages), minus
 * any all-zero page (makedumpfile never compresses those), {@code count} of them picked uniformly
 * with {@code seed} and kept in PFN order. The same arguments give the same bytes on every run,
 * which is what lets {@code codec-tools.sh} run the C libraries and command-line tools over exactly
 * the pages {@link CodecBenchmark} measures.
 *
 * <p>As a program it writes the sample as one file of concatenated pages and prints, per codec,
 * what our codec makes of it (tab-separated: codec, pages, bytes in, bytes stored, ratio, pages
 * stored raw):
 *
 * <pre>java -cp benchmarks.jar org.vmcore4j.benchmarks.PageSample [--dump PATH] [--pages N]
 *     [--seed S] [--level L] [--out FILE]</pre>
 */
public final class PageSample {
    public static final int DEFAULT_PAGES = 4096;
    public static final long DEFAULT_SEED = 20240604L;
    public static final int DEFAULT_LEVEL = 31;

    private final String source;
    private final int pageSize;
    private final long[] pfns;
    private final byte[] bytes;
    private final long candidates;

    private PageSample(String source, int pageSize, long[] pfns, byte[] bytes, long candidates) {
        this.source = source;
        this.pageSize = pageSize;
        this.pfns = pfns;
        this.bytes = bytes;
        this.candidates = candidates;
    }

    /** The corpus's 6.1 dump: {@code VMCORE4J_CORPUS} (else {@code ~/.cache/vmcore4j-corpus}) {@code /k61-1g-2cpu/vmcore}. */
    public static Path defaultDump() {
        String env = System.getenv("VMCORE4J_CORPUS");
        Path corpus = env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "vmcore4j-corpus");
        return corpus.resolve("k61-1g-2cpu").resolve("vmcore");
    }

    /**
     * Samples {@code count} non-zero pages among those a level-{@code level} dump keeps. If the
     * dump keeps fewer, all of them are taken.
     */
    public static PageSample load(Path dump, int count, long seed, int level) throws IOException {
        try (Vmcore vmcore = Vmcore.open(dump)) {
            PhysicalMemory memory = vmcore.physicalMemory();
            int pageSize = memory.pageSize();
            long[][] kept = {new long[1 << 16]};
            int[] n = {0};
            PageFilter.forLevel(level).scan(vmcore, cycle -> {
                for (long pfn = cycle.dumpable().nextSetBit(cycle.startPfn()); pfn >= 0;
                        pfn = cycle.dumpable().nextSetBit(pfn + 1)) {
                    if (n[0] == kept[0].length) {
                        kept[0] = Arrays.copyOf(kept[0], n[0] * 2);
                    }
                    kept[0][n[0]++] = pfn;
                }
            });
            long[] all = Arrays.copyOf(kept[0], n[0]);
            // a seeded Fisher-Yates pass, stopping once enough non-zero pages are found
            SplittableRandom random = new SplittableRandom(seed);
            long[] picked = new long[Math.min(count, all.length)];
            byte[] page = new byte[pageSize];
            int got = 0;
            for (int i = 0; i < all.length && got < picked.length; i++) {
                int j = i + random.nextInt(all.length - i);
                long t = all[i];
                all[i] = all[j];
                all[j] = t;
                memory.readPage(all[i], page, 0);
                if (!PageFilter.isZeroPage(page, 0, pageSize)) {
                    picked[got++] = all[i];
                }
            }
            picked = Arrays.copyOf(picked, got);
            Arrays.sort(picked);
            byte[] bytes = new byte[Math.multiplyExact(got, pageSize)];
            for (int i = 0; i < got; i++) {
                memory.readPage(picked[i], bytes, i * pageSize);
            }
            return new PageSample(dump + " -d " + level + " seed " + seed, pageSize, picked, bytes, n[0]);
        }
    }

    public int pageSize() {
        return pageSize;
    }

    public int pageCount() {
        return pfns.length;
    }

    /** The sampled frames, ascending. */
    public long[] pfns() {
        return pfns.clone();
    }

    /** The pages, concatenated in PFN order (not a copy). */
    public byte[] bytes() {
        return bytes;
    }

    /** Frames the dump level kept, from which the sample was drawn. */
    public long candidates() {
        return candidates;
    }

    public String source() {
        return source;
    }

    /** What our codec makes of the sample, each page compressed on its own as a dump stores it. */
    public record Ratio(Compression codec, int pages, long bytesIn, long bytesStored, int rawPages) {
        /** Uncompressed over stored bytes; a page that does not shrink is stored raw, as makedumpfile does. */
        public double ratio() {
            return (double) bytesIn / bytesStored;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%.3f\t%d", codec, pages, bytesIn, bytesStored, ratio(),
                    rawPages);
        }
    }

    public Ratio ratio(Compression codec) {
        try (PageCodec c = PageCodec.of(codec)) {
            byte[] out = new byte[c.maxCompressedLength(pageSize)];
            long stored = 0;
            int raw = 0;
            for (int off = 0; off < bytes.length; off += pageSize) {
                int len = c.compress(bytes, off, pageSize, out, 0, out.length);
                if (len < 0 || len >= pageSize) {
                    raw++;
                    stored += pageSize;
                } else {
                    stored += len;
                }
            }
            return new Ratio(codec, pfns.length, bytes.length, stored, raw);
        }
    }

    public static void main(String[] args) throws IOException {
        Path dump = defaultDump();
        int pages = DEFAULT_PAGES;
        long seed = DEFAULT_SEED;
        int level = DEFAULT_LEVEL;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--dump" -> dump = Path.of(v);
                case "--pages" -> pages = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--level" -> level = Integer.parseInt(v);
                case "--out" -> out = Path.of(v);
                default -> usage("unknown option " + a);
            }
        }
        PageSample s = load(dump, pages, seed, level);
        if (out != null) {
            try (OutputStream os = Files.newOutputStream(out)) {
                os.write(s.bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        System.err.printf(Locale.ROOT, "# %d pages of %d bytes (%d frames kept at that level) from %s%s%n",
                s.pageCount(), s.pageSize(), s.candidates(), s.source(), out == null ? "" : ", written to " + out);
        System.out.println("codec\tpages\tbytes_in\tbytes_stored\tratio\traw_pages");
        for (Compression c : CodecBenchmark.CODECS) {
            System.out.println(s.ratio(c));
        }
    }

    private static void usage(String why) {
        System.err.println(why);
        System.err.println("usage: PageSample [--dump PATH] [--pages N] [--seed S] [--level L] [--out FILE]");
        System.exit(2);
    }
}
