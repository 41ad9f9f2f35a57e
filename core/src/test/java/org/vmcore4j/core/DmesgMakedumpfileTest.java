package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmcore4j.core.synthetic.LocklessRing;
import org.vmcore4j.core.synthetic.Msg;
import org.vmcore4j.core.synthetic.RecordBuffer;
import org.vmcore4j.core.synthetic.SyntheticKernel;
import org.vmcore4j.core.synthetic.TextBuffer;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * Differential tests: synthetic kernels of all three printk generations, written as ELF vmcores,
 * read by makedumpfile 1.7.9 {@code --dump-dmesg} and by {@link Dmesg}; the bytes must be equal,
 * including for rings whose damage makedumpfile itself detects (it then keeps a partial file and
 * fails). makedumpfile walks the synthetic page tables for every read, so this also checks that
 * the synthetic machine is a faithful one.
 */
@RequiresMakedumpfile
class DmesgMakedumpfileTest {
    static final int MB = 1 << 20;
    static final int CPU = 0x80000000;

    @TempDir
    Path tmp;

    record Reference(int status, byte[] text, String messages) {
    }

    static Reference makedumpfile(SyntheticKernel k, Path dir, boolean partial) throws IOException, InterruptedException {
        Path core = Files.createTempFile(dir, "vmcore", ".elf");
        Path out = dir.resolve(core.getFileName() + ".dmesg");
        k.writeElf(core);
        List<String> cmd = new ArrayList<>(List.of(Corpus.requireMakedumpfile().toString(), "--dump-dmesg"));
        if (partial) {
            cmd.add("--partial-dmesg");
        }
        cmd.add(core.toString());
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "makedumpfile timed out");
        byte[] text = Files.exists(out) ? Files.readAllBytes(out) : null;
        Files.delete(core);
        Files.deleteIfExists(out);
        return new Reference(p.exitValue(), text, messages);
    }

    /** Compares both readers; returns the number of bytes compared. */
    static int assertSame(SyntheticKernel k, Path dir, boolean partial, boolean damaged) throws Exception {
        Reference ref = makedumpfile(k, dir, partial);
        Dmesg d = Dmesg.read(k.vmcoreInfo(), k.space(), partial);
        assertTrue(ref.text() != null, "makedumpfile wrote nothing: " + ref.messages());
        assertEquals(new String(ref.text(), StandardCharsets.ISO_8859_1),
                new String(d.makedumpfileText(), StandardCharsets.ISO_8859_1), ref.messages());
        assertEquals(damaged, ref.status() != 0, "makedumpfile status " + ref.status() + ": " + ref.messages());
        assertEquals(damaged, d.damage().isPresent(), d.damage().orElse("no damage reported"));
        return ref.text().length;
    }

    static byte[] edgeText(Random r, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            int pick = r.nextInt(10);
            b[i] = (byte) (pick < 6 ? 'a' + r.nextInt(26) : pick < 7 ? '\n' : r.nextInt(256));
        }
        return b;
    }

    @Test
    void locklessRingWithEveryKindOfByte() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0-56-amd64");
        LocklessRing ring = new LocklessRing(k, 5, 12, true);
        byte[] every = new byte[256];
        for (int i = 0; i < 256; i++) {
            every[i] = (byte) i;
        }
        ring.add(Msg.of(0, 0, every));
        ring.add(Msg.of(123_456_789_012L, 4194304, "two\nlines\n".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(100_000_000_000_999L, CPU | 3, "wide timestamp".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(5, CPU | 0x7fffffff, "wide caller".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(6, 1, "".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(7, 1, "committed".getBytes(StandardCharsets.US_ASCII)), LocklessRing.COMMITTED);
        assertSame(k, tmp, false, false);
    }

    @Test
    void locklessRingAfterManyWraps() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.12.0");
        LocklessRing ring = new LocklessRing(k, 5, 11, true);
        Random r = new Random(11);
        for (int i = 0; i < 500; i++) {
            ring.add(Msg.of(i * 3_000_017L, r.nextInt(5000), edgeText(r, r.nextInt(90))));
        }
        assertSame(k, tmp, false, false);
        for (int clear : new int[] {480, 490, 499}) {
            ring.clearSeq(clear, true);
            // the slots where makedumpfile's start id does not overshoot head (else it never ends)
            long head = ring.id(499) & 31;
            if ((clear & 31) <= head) {
                assertSame(k, tmp, true, false);
            }
        }
    }

    @Test
    void recordBufferWithCallersDictionariesAndWraps() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0-150-generic");
        RecordBuffer buf = new RecordBuffer(k, 2048, true, false);
        Random r = new Random(5);
        for (int i = 0; i < 200; i++) {
            byte[] dict = i % 3 == 0 ? "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:1f.2".getBytes(StandardCharsets.US_ASCII) : new byte[0];
            buf.add(new Msg(i * 7_000_123L, i & 7, i % 2, r.nextBoolean() ? CPU | (i & 3) : i, i % 4 == 0 ? 8 : 2,
                    edgeText(r, r.nextInt(60))), dict);
        }
        assertSame(k, tmp, false, false);
        buf.clearBefore(190);
        assertSame(k, tmp, true, false);
    }

    @Test
    void recordBufferOf3_10WithoutCallers() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "3.10.0-1160.el7.x86_64");
        RecordBuffer buf = new RecordBuffer(k, 1024, false, true);
        for (int i = 0; i < 50; i++) {
            buf.add(Msg.of(i * 1_000_000_007L, "line " + i + "\nsecond half"));
        }
        assertSame(k, tmp, false, false);
    }

    @Test
    void recordChainDamageIsHandledAsMakedumpfileDoes() throws Exception {
        SyntheticKernel loop = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer a = new RecordBuffer(loop, 4096, true, false);
        for (int i = 0; i < 9; i++) {
            a.add(Msg.of(i * 1000L, "record " + i));
        }
        a.setRecordLength(6, 0); // the chain loops back to record 1 and never reaches log_next_idx
        assertSame(loop, tmp, false, true);

        SyntheticKernel out = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer b = new RecordBuffer(out, 4096, true, false);
        for (int i = 0; i < 9; i++) {
            b.add(Msg.of(i * 1000L, "record " + i));
        }
        b.setRecordLength(4, 4000); // points outside log_buf
        assertSame(out, tmp, false, true);
    }

    @Test
    void plainTextBuffers() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "2.6.32-754.el6.x86_64");
        TextBuffer buf = new TextBuffer(k, 512, false);
        buf.print("<6>[    0.000000] Linux version 2.6.32\n");
        assertSame(k, tmp, false, false);
        Random r = new Random(3);
        for (int i = 0; i < 30; i++) {
            buf.write(edgeText(r, 40));
        }
        assertSame(k, tmp, false, false);

        SyntheticKernel old = new SyntheticKernel(8 * MB, "2.6.18-419.el5");
        TextBuffer o = new TextBuffer(old, 256, true);
        o.print("<4>an unsigned long log_end\n".repeat(20));
        assertSame(old, tmp, false, false);
    }

    /**
     * A full pre-3.5 text buffer whose log_end is a multiple of its size: the oldest byte is at index 0,
     * so the "new" part before it is empty. makedumpfile 1.7.9 fails to read that empty part ("Can't
     * read new dmesg log.") and writes nothing; we read the whole buffer, which is the log. (Found by
     * {@link #randomRingsMatchMakedumpfile} in CI: generation 2, seed -2, 259 messages.)
     */
    @Test
    void fullTextBufferEndingAtItsEndIsReadWhereMakedumpfileFails() throws Exception {
        for (int messages : new int[] {259, 1000}) {
            SyntheticKernel k = new SyntheticKernel(8 * MB, "2.6.35");
            TextBuffer buf = new TextBuffer(k, 256, false);
            for (int i = 0; i < messages && (buf.end() < buf.length() || buf.end() % buf.length() != 0); i++) {
                buf.print("<6>message " + i + "\n");
            }
            while (buf.end() % buf.length() != 0) {
                buf.write(new byte[] {'.'});
            }
            Reference ref = makedumpfile(k, tmp, false);
            assertTrue(ref.status() != 0 && ref.text() == null && ref.messages().contains("Can't read new dmesg log"),
                    "makedumpfile 1.7.9 was expected to fail here: " + ref.messages());
            Dmesg d = Dmesg.read(k.vmcoreInfo(), k.space(), false);
            assertEquals(new String(buf.expected(), StandardCharsets.ISO_8859_1),
                    new String(d.makedumpfileText(), StandardCharsets.ISO_8859_1));
            assertTrue(d.damage().isEmpty(), () -> d.damage().get());
        }
    }

    /** Random rings of random geometry and content, each checked against makedumpfile. */
    @Property(tries = 40)
    void randomRingsMatchMakedumpfile(@ForAll @IntRange(min = 0, max = 2) int generation, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 400) int messages) throws Exception {
        Path dir = Files.createTempDirectory("vmcore4j-dmesg");
        try {
            Random r = new Random(seed);
            SyntheticKernel k;
            if (generation == 0) {
                k = new SyntheticKernel(8 * MB, "6.1.0");
                LocklessRing ring = new LocklessRing(k, 4 + r.nextInt(4), 10 + r.nextInt(4), r.nextBoolean());
                for (int i = 0; i < messages; i++) {
                    ring.add(new Msg(r.nextLong(), r.nextInt(8), r.nextInt(24), r.nextInt(), 2, edgeText(r, r.nextInt(120))),
                            r.nextInt(20) == 0 ? LocklessRing.RESERVED : LocklessRing.FINALIZED);
                }
            } else if (generation == 1) {
                k = new SyntheticKernel(8 * MB, "4.19.0");
                RecordBuffer buf = new RecordBuffer(k, 1 << (10 + r.nextInt(4)), r.nextBoolean(), r.nextInt(4) == 0);
                for (int i = 0; i < messages; i++) {
                    buf.add(new Msg(r.nextLong(), r.nextInt(8), r.nextInt(24), r.nextInt(), 2, edgeText(r, r.nextInt(120))));
                }
            } else {
                k = new SyntheticKernel(8 * MB, "2.6.35");
                TextBuffer buf = new TextBuffer(k, 1 << (8 + r.nextInt(4)), false);
                for (int i = 0; i < messages; i++) {
                    buf.write(edgeText(r, r.nextInt(50)));
                }
                if (buf.end() >= buf.length() && buf.end() % buf.length() == 0) {
                    buf.write(new byte[] {'\n'}); // makedumpfile fails on this one end value: see the test above
                }
            }
            assertSame(k, dir, false, false);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
