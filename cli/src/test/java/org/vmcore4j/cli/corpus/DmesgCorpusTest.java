package org.vmcore4j.cli.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/** {@link Dmesg} on every corpus dump gives the bytes makedumpfile 1.7.9 {@code --dump-dmesg} writes. */
@RequiresCorpus
@RequiresMakedumpfile
class DmesgCorpusTest {

    @TempDir
    Path tmp;

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    private byte[] makedumpfile(Corpus.Dump dump, boolean partial) throws IOException, InterruptedException {
        Path out = tmp.resolve(dump.name() + (partial ? ".partial" : "") + ".dmesg");
        List<String> cmd = new ArrayList<>(List.of(Corpus.requireMakedumpfile().toString(), "--dump-dmesg"));
        if (partial) {
            cmd.add("--partial-dmesg");
        }
        cmd.add(dump.vmcore().toString());
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "makedumpfile timed out");
        assertEquals(0, p.exitValue(), messages);
        return Files.readAllBytes(out);
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void sameBytesAsMakedumpfile(Corpus.Dump dump) throws Exception {
        byte[] expected = makedumpfile(dump, false);
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            Dmesg d = Dmesg.read(info, v.kernelAddressSpace());
            assertEquals(Dmesg.Source.LOCKLESS_RINGBUFFER, d.source());
            assertFalse(d.damage().isPresent(), d.damage().orElse(""));
            assertTrue(expected.length > 1000, "makedumpfile wrote " + expected.length + " bytes");
            assertArrayEquals(expected, d.makedumpfileText(), "first difference at byte " + mismatch(expected, d.makedumpfileText()));
            assertTrue(d.records().get(0).text().startsWith("Linux version " + info.osRelease().orElseThrow()),
                    d.records().get(0).text());
        }
    }

    /**
     * {@code --partial-dmesg} where makedumpfile finishes: its start descriptor, computed from
     * {@code clear_seq}, must not lie after {@code head_id} (else it walks 2^62 ids).
     */
    @ParameterizedTest
    @MethodSource("dumps")
    void partialDmesgMatchesWhereMakedumpfileFinishes(Corpus.Dump dump) throws Exception {
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            KernelAddressSpace kas = v.kernelAddressSpace();
            long prb = kas.readPointer(info.requireSymbol("prb"));
            long ring = prb + info.requireOffset("printk_ringbuffer.desc_ring");
            long count = 1L << kas.readInt(ring + info.requireOffset("prb_desc_ring.count_bits"));
            long head = kas.readLong(ring + info.requireOffset("prb_desc_ring.head_id")
                    + info.requireOffset("atomic_long_t.counter"));
            long clearAddr = info.requireSymbol("clear_seq");
            long clear = kas.readLong(clearAddr);
            if (info.size("latched_seq").isPresent()) {
                clear = kas.readLong(clearAddr + info.requireOffset("latched_seq.val") + (clear & 1) * 8);
            }
            Dmesg partial = Dmesg.read(info, kas, true);
            if ((clear & (count - 1)) <= (head & (count - 1))) {
                assertArrayEquals(makedumpfile(dump, true), partial.makedumpfileText());
            }
            // either way: a suffix of the whole log
            byte[] whole = Dmesg.read(info, kas).makedumpfileText();
            byte[] part = partial.makedumpfileText();
            assertTrue(part.length <= whole.length);
            assertArrayEquals(part, java.util.Arrays.copyOfRange(whole, whole.length - part.length, whole.length));
        }
    }

    private static int mismatch(byte[] a, byte[] b) {
        return java.util.Arrays.mismatch(a, b);
    }
}
