package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the command line, {@link Main#run} (issue #8): fuzzed argument vectors
 * (makedumpfile's options with fuzzed values, {@code info}, {@code --dump-dmesg}, {@code -R} with a
 * fuzzed standard input) over small dump files (an ELF made of a real dump's headers and notes, a
 * synthetic kdump file, a flattened stream, and a file whose bytes are fuzzed too). Main.run must
 * never throw and always return 0 or 1, and no message may be a runtime exception's (the command
 * turns those into status 1, so their text is the only trace of a bug).
 *
 * <p>Every path is absolute inside a temporary directory, and numbers only ever appear attached
 * to their option, so no fuzzed vector writes outside that directory.
 *
 * <p>Input framing: [u16 BE n][n bytes of the fuzzed file][u16 BE m][m bytes of standard input],
 * then one byte per token (see {@link #token}). Seeds in {@code CommandLineFuzzTestInputs}.
 */
class CommandLineFuzzTest {
    private static final String[] FIXTURES = {"vmcore.elf", "vmcore.kdump", "vmcore.flat"};
    /** Texts only a runtime exception (a bug) puts in a message. */
    private static final String[] BUG_MARKERS = {"java.", "Cannot invoke", "Cannot read", "Cannot load", "Cannot store",
        "out of bounds for length", "/ by zero", "cannot be cast"};
    static final String[] FLAGS = {"-c", "-l", "-p", "-z", "--lz4", "-E", "-F", "-R", "--split", "--reassemble",
        "--dump-dmesg", "--partial-dmesg", "-f", "--non-mmap", "--dry-run", "--check-params", "--show-stats", "-D",
        "-v", "-h", "info", "--json", "-d", "--message-level", "--num-threads", "-L", "-b", "--cyclic-buffer",
        "--splitblock-size", "--work-dir", "-e", "-x", "-i", "-g", "--mem-usage", "--vtop"};
    static final String[] VALUED = {"-d", "--message-level=", "--num-threads=", "-L", "--size-limit=", "-b",
        "--cyclic-buffer=", "--splitblock-size="};
    static final String[] VALUES = {"0", "1", "31", "7", "-1", "1,31", "0,1,2,31", "32", "3,1", "99999999999999999999",
        "4K", "1M", "0K", "2", "64", "2147483647", "-2147483648", "1G", "x", "", "16", "4", "8,1"};
    private static Path dir;
    private static Set<String> keep;

    @BeforeAll
    static void fixtures() throws IOException {
        dir = Files.createTempDirectory("fuzz-cli");
        for (String f : FIXTURES) {
            try (InputStream in = CommandLineFuzzTest.class.getResourceAsStream("fuzz-fixtures/" + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        keep = Set.of(FIXTURES);
    }

    @AfterAll
    static void drop() throws IOException {
        clean(Set.of());
        Files.deleteIfExists(dir);
    }

    private static void clean(Set<String> except) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!except.contains(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void run(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        byte[] file = chunk(b);
        byte[] stdin = chunk(b);
        clean(keep);
        Files.write(dir.resolve("fuzzed.bin"), file);
        List<String> args = new ArrayList<>();
        while (b.hasRemaining() && args.size() < 16) {
            args.add(token(b));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin));
        String said = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        String what = "vmcore4j " + String.join(" ", args) + "\n" + said;
        assertTrue(status == 0 || status == 1, "status " + status + " of " + what);
        // fuzzed names are echoed in messages: take them out before looking for a runtime exception's text
        String errors = err.toString(StandardCharsets.UTF_8).replace(dir.toString(), "DIR")
                .replaceAll("(DIR/|--fz)[A-Za-z0-9._,=-]*", "NAME");
        for (String marker : BUG_MARKERS) {
            assertFalse(errors.contains(marker), "a runtime exception's message: " + what);
        }
    }

    private static byte[] chunk(ByteBuffer b) {
        int n = b.remaining() >= 2 ? Math.min(b.getShort() & 0xffff, b.remaining()) : 0;
        byte[] c = new byte[n];
        b.get(c);
        return c;
    }

    /** One argument: an option, an option with a value attached, a file in the directory, or a fuzzed name in it. */
    static String token(ByteBuffer b) {
        int t = b.get() & 0xff;
        int kind = t % 4;
        int i = t / 4;
        return switch (kind) {
            case 0 -> FLAGS[i % FLAGS.length];
            case 1 -> VALUED[i % VALUED.length] + (b.hasRemaining() ? VALUES[(b.get() & 0xff) % VALUES.length] : "");
            case 2 -> dir.resolve(switch (i % 8) {
                case 0, 1 -> "vmcore.elf";
                case 2 -> "vmcore.kdump";
                case 3 -> "vmcore.flat";
                case 4 -> "fuzzed.bin";
                case 5 -> "out1";
                case 6 -> "out2";
                default -> "missing";
            }).toString();
            default -> {
                int n = b.hasRemaining() ? Math.min(b.get() & 0x1f, b.remaining()) : 0;
                byte[] s = new byte[n];
                b.get(s);
                String name = new String(s, StandardCharsets.ISO_8859_1).replaceAll("[^A-Za-z0-9._,=-]", "_");
                // a name starting with '-' stays an (unknown) option; anything else is a file in the directory
                yield name.startsWith("-") ? "--fz" + name : dir.resolve("f" + name).toString();
            }
        };
    }

    /** For seeds: the framing of {@link #run}. */
    static byte[] frame(byte[] file, byte[] stdin, int... tokens) {
        ByteBuffer b = ByteBuffer.allocate(4 + file.length + stdin.length + tokens.length);
        b.putShort((short) file.length).put(file).putShort((short) stdin.length).put(stdin);
        for (int t : tokens) {
            b.put((byte) t);
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
