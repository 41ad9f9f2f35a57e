package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.synthetic.ExpectedDmesg;
import org.vmcore4j.core.synthetic.LocklessRing;
import org.vmcore4j.core.synthetic.Msg;
import org.vmcore4j.core.synthetic.RecordBuffer;
import org.vmcore4j.core.synthetic.SyntheticKernel;
import org.vmcore4j.core.synthetic.TextBuffer;

class DmesgTest {
    static final int MB = 1 << 20;
    static final int CPU = 0x80000000;

    static String text(Dmesg d) {
        return new String(d.makedumpfileText(), StandardCharsets.ISO_8859_1);
    }

    static Dmesg read(SyntheticKernel k) throws Exception {
        return Dmesg.read(k.vmcoreInfo(), k.space());
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    // ---- 5.10+ lockless ring ----

    @Test
    void locklessLinesHaveMakedumpfilesTimestampCallerIndentAndEscapes() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0-56-amd64");
        LocklessRing ring = new LocklessRing(k, 5, 12, true);
        ring.add(Msg.of(0, 0, "Linux version 6.1.0".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(123_456_789_012L, 4194304, "two\nlines".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(100_000_000_000_999L, CPU | 3, "tab\tcr\rvt\u000bff\fbell\u0007del\u007f".getBytes(StandardCharsets.US_ASCII)));
        ring.add(Msg.of(1_500_000L, 1, bytes('e', 0xe2, 0x82, 0xac, 0, '!')));
        ring.add(Msg.of(2_000_000_000L, CPU | 0x7fffffff, "wide".getBytes(StandardCharsets.US_ASCII)));
        Dmesg d = read(k);
        assertEquals(Dmesg.Source.LOCKLESS_RINGBUFFER, d.source());
        assertEquals(String.join("\n",
                "[    0.000000] [      T0] Linux version 6.1.0",
                "[  123.456789] [T4194304] two",
                "                          lines",
                "[100000.000000] [      C3] tab\tcr\rvt\u000bff\fbell\\x07del\\x7f",
                "[    0.001500] [      T1] e\\xffffffe2\\xffffff82\\xffffffac\\x00!",
                "[    2.000000] [C2147483647] wide",
                ""), text(d));
        assertEquals(text(d), ExpectedDmesg.renderString(ring.expected(), true), "the test oracle agrees");
        assertEquals(Optional.empty(), d.damage());
    }

    @Test
    void locklessRecordsCarryLevelFacilityCallerAndText() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        ring.add(new Msg(42_000, 3, 1, CPU | 1, 2, "usb 1-1: oops".getBytes(StandardCharsets.UTF_8)));
        ring.add(new Msg(43_000, 7, 0, 77, 2, "caf\u00e9".getBytes(StandardCharsets.UTF_8)));
        Dmesg d = read(k);
        assertTrue(d.hasCallerIds());
        Dmesg.Record r = d.records().get(0);
        assertEquals(42_000, r.timestampNanos());
        assertEquals(3, r.level());
        assertEquals(1, r.facility());
        assertEquals(Optional.of("C1"), r.caller());
        assertEquals("usb 1-1: oops", r.text());
        assertEquals("caf\u00e9", d.records().get(1).text());
        assertEquals(Optional.of("T77"), d.records().get(1).caller());
        assertEquals(7, d.records().get(1).level());
    }

    @Test
    void locklessSkipsRecordsNotCommittedReusableOrWithoutText() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        ring.add(Msg.of(1000, "one"));
        ring.add(Msg.of(2000, "reserved, being written"), LocklessRing.RESERVED);
        ring.add(Msg.of(3000, ""));                          // data-less block
        ring.add(Msg.of(4000, "recycled"), LocklessRing.REUSABLE);
        ring.add(Msg.of(5000, "committed head"), LocklessRing.COMMITTED);
        assertEquals("[    0.000001] [      T1] one\n[    0.000005] [      T1] committed head\n", text(read(k)));
    }

    @Test
    void locklessTextLongerThanItsBlockIsCutAtTheBlock() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        ring.add(Msg.of(1000, "0123456789abcdef")); // a 24-byte block: id + 16 bytes
        k.putShort(ring.infoAddress(ring.id(0)) + 16, 500); // the kernel keeps the untruncated length
        assertEquals("[    0.000001] [      T1] 0123456789abcdef\n", text(read(k)));
    }

    @Test
    void locklessWrapsTextBlocksAndRecyclesDescriptors() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 9, true); // 16 descriptors, 512 text bytes
        List<Msg> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Msg m = Msg.of(i * 1_000_000L + 7, i % 5, ("message " + i + " " + "x".repeat(i % 37)).getBytes(StandardCharsets.US_ASCII));
            all.add(m);
            ring.add(m);
            Dmesg d = read(k);
            assertArrayEquals(ExpectedDmesg.render(ring.expected(), true), d.makedumpfileText(), "after message " + i);
            assertFalse(d.damage().isPresent());
        }
        List<Msg> kept = ring.expected();
        assertTrue(kept.size() > 3 && kept.size() < 16, "the ring kept " + kept.size());
        assertEquals(all.get(199).string(), read(k).records().get(kept.size() - 1).text());
    }

    @Test
    void partialDmesgStartsAtClearSeqLatchedOrNot() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        for (int i = 0; i < 40; i++) {
            ring.add(Msg.of(i * 1000L, "m" + i));
        }
        for (int clear : new int[] {30, 33, 36, 39, 40}) {
            ring.clearSeq(clear, true);
            Dmesg d = Dmesg.read(k.vmcoreInfo(), k.space(), true);
            assertArrayEquals(ExpectedDmesg.render(ring.expectedFrom(clear), true), d.makedumpfileText(), "clear_seq " + clear);
        }
        // 5.10-5.12: clear_seq is a plain u64
        k.removeInfo("SIZE(latched_seq)");
        k.removeInfo("OFFSET(latched_seq");
        ring.clearSeq(35, false);
        assertArrayEquals(ExpectedDmesg.render(ring.expectedFrom(35), true),
                Dmesg.read(k.vmcoreInfo(), k.space(), true).makedumpfileText());
        assertArrayEquals(ExpectedDmesg.render(ring.expected(), true), read(k).makedumpfileText(), "the whole log");
    }

    @Test
    void locklessIdsFarApartStillGiveTheRecordsOnce() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        for (int i = 0; i < 10; i++) {
            ring.add(Msg.of(i * 1000L, "m" + i));
        }
        // a tail_id from another generation: makedumpfile would step through 2^62 ids
        k.putLong(ring.prb() + 32, ring.id(0) - (1L << 40));
        Dmesg d = read(k);
        assertArrayEquals(ExpectedDmesg.render(ring.expected(), true), d.makedumpfileText());
        assertTrue(d.damage().orElseThrow().contains("ids apart"), d.damage().get());
    }

    @Test
    void locklessMissingKeysAreAllNamedAndHugeRingsRefused() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        ring.add(Msg.of(1, "x"));
        k.removeInfo("OFFSET(prb_desc.state_var)");
        k.removeInfo("SIZE(printk_info)");
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> read(k));
        assertTrue(e.getMessage().contains("OFFSET(prb_desc.state_var)") && e.getMessage().contains("SIZE(printk_info)"),
                e.getMessage());

        SyntheticKernel h = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing big = new LocklessRing(h, 4, 10, false);
        h.putInt(big.prb(), 40); // count_bits
        assertTrue(assertThrows(VmcoreFormatException.class, () -> read(h)).getMessage().contains("count_bits"));
        h.putInt(big.prb(), 4);
        h.putInt(big.prb() + 48, 31); // size_bits
        assertTrue(assertThrows(VmcoreFormatException.class, () -> read(h)).getMessage().contains("size_bits"));
    }

    // ---- 3.5 to 5.9 record buffer ----

    @Test
    void recordBufferLinesWithAndWithoutCallerIds() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0-150-generic");
        RecordBuffer buf = new RecordBuffer(k, 4096, true, false);
        buf.add(Msg.of(5_000_123_456L, CPU | 2, "first\nsecond".getBytes(StandardCharsets.US_ASCII)));
        buf.add(Msg.of(6_000_000_000L, 99, "dict follows".getBytes(StandardCharsets.US_ASCII)),
                "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:01.0".getBytes(StandardCharsets.US_ASCII));
        Dmesg d = read(k);
        assertEquals(Dmesg.Source.RECORD_BUFFER, d.source());
        assertEquals("[    5.000123] [      C2] first\n                          second\n"
                + "[    6.000000] [     T99] dict follows\n", text(d));

        SyntheticKernel old = new SyntheticKernel(8 * MB, "3.10.0-1160.el7.x86_64");
        RecordBuffer log = new RecordBuffer(old, 4096, false, true); // struct log of 3.5-3.10
        log.add(Msg.of(5_000_123_456L, 0, "no caller column".getBytes(StandardCharsets.US_ASCII)));
        Dmesg o = read(old);
        assertFalse(o.hasCallerIds());
        assertEquals("[    5.000123] no caller column\n", text(o));
    }

    @Test
    void recordBufferContinuationFragmentsAreSeparateLines() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "4.19.0");
        RecordBuffer buf = new RecordBuffer(k, 4096, false, false);
        buf.add(new Msg(1000, 6, 0, 0, 0, "Checking ".getBytes(StandardCharsets.US_ASCII)));
        buf.add(new Msg(2000, 6, 0, 0, RecordBuffer.LOG_CONT, "done.".getBytes(StandardCharsets.US_ASCII)));
        // makedumpfile prints records, not lines: a fragment gets its own timestamp
        assertEquals("[    0.000001] Checking \n[    0.000002] done.\n", text(read(k)));
    }

    @Test
    void recordBufferWrapsAtTheZeroLengthMarker() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(k, 1024, true, false);
        for (int i = 0; i < 300; i++) {
            buf.add(Msg.of(i * 10_000_000L, i, ("record " + i + " " + "y".repeat(i % 29)).getBytes(StandardCharsets.US_ASCII)));
            Dmesg d = read(k);
            assertArrayEquals(ExpectedDmesg.render(buf.expected(), true), d.makedumpfileText(), "after record " + i);
            assertFalse(d.damage().isPresent());
        }
    }

    @Test
    void recordBufferPartialStartsAtClearIdx() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(k, 1024, true, false);
        for (int i = 0; i < 60; i++) {
            buf.add(Msg.of(i * 1000L, "r" + i));
        }
        buf.clearBefore(55);
        assertArrayEquals(ExpectedDmesg.render(buf.expectedFrom(55), true),
                Dmesg.read(k.vmcoreInfo(), k.space(), true).makedumpfileText());
        assertArrayEquals(ExpectedDmesg.render(buf.expected(), true), read(k).makedumpfileText());
    }

    @Test
    void recordChainThatLoopsKeepsTheRecordsUpToTheLoopAndOnceAround() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(k, 4096, false, false);
        for (String s : new String[] {"A", "B", "C", "D", "E"}) {
            buf.add(Msg.of(1000, s));
        }
        // D becomes an end-of-buffer marker: its record is the one at 0 (A), the next is A's successor
        // B, so the chain B C D B ... never reaches log_next_idx. As makedumpfile: A, then once around.
        buf.setRecordLength(3, 0);
        Dmesg d = read(k);
        assertEquals("[    0.000001] A\n[    0.000001] B\n[    0.000001] C\n[    0.000001] A\n", text(d));
        assertTrue(d.damage().orElseThrow().contains("loops"), d.damage().get());
    }

    @Test
    void recordChainLeavingTheBufferKeepsTheRecordsBefore() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(k, 4096, false, false);
        for (String s : new String[] {"A", "B", "C"}) {
            buf.add(Msg.of(1000, s));
        }
        buf.setRecordLength(1, 4090);
        Dmesg d = read(k);
        assertEquals("[    0.000001] A\n[    0.000001] B\n", text(d));
        assertTrue(d.damage().orElseThrow().contains("outside log_buf"), d.damage().get());

        buf.setFirstIndex(5000);
        Dmesg none = read(k);
        assertEquals(0, none.records().size());
        assertTrue(none.damage().orElseThrow().contains("log_first_idx"));
    }

    @Test
    void recordBufferNeedsItsKeys() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "5.4.0");
        new RecordBuffer(k, 1024, false, false);
        k.removeInfo("SYMBOL(log_next_idx)");
        k.removeInfo("OFFSET(printk_log.len)");
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> read(k));
        assertTrue(e.getMessage().contains("SYMBOL(log_next_idx)") && e.getMessage().contains("OFFSET(printk_log.len)"),
                e.getMessage());
        SyntheticKernel none = new SyntheticKernel(8 * MB, "5.4.0");
        VmcoreFormatException n = assertThrows(VmcoreFormatException.class, () -> read(none));
        assertTrue(n.getMessage().contains("SYMBOL(log_buf)"), n.getMessage());
    }

    // ---- before 3.5: plain text ----

    @Test
    void textBufferIsCopiedRawAndRotatedOnceWrapped() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "2.6.32-754.el6.x86_64");
        TextBuffer buf = new TextBuffer(k, 256, false);
        buf.print("<6>[    0.000000] Linux version 2.6.32\n<4>[    1.250000] weird \u0001 byte kept raw\n");
        Dmesg d = read(k);
        assertEquals(Dmesg.Source.TEXT_BUFFER, d.source());
        assertArrayEquals(buf.expected(), d.makedumpfileText());
        assertEquals(2, d.records().size());
        assertEquals(6, d.records().get(0).level());
        assertEquals(0, d.records().get(0).timestampNanos());
        assertEquals("Linux version 2.6.32", d.records().get(0).text());
        assertEquals(1_250_000_000L, d.records().get(1).timestampNanos());
        assertEquals(4, d.records().get(1).level());
        for (int i = 0; i < 40; i++) {
            buf.print("<6>[   " + (10 + i) + ".000000] line " + i + "\n");
        }
        assertArrayEquals(buf.expected(), read(k).makedumpfileText());
        assertEquals(256, read(k).makedumpfileText().length);
    }

    @Test
    void textBufferOfKernelsBefore2625HasALongLogEnd() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "2.6.18-419.el5");
        TextBuffer buf = new TextBuffer(k, 128, true);
        buf.print("<6>old kernel without timestamps\n".repeat(5));
        Dmesg d = read(k);
        assertArrayEquals(buf.expected(), d.makedumpfileText());
        assertEquals(-1, d.records().get(1).timestampNanos());
        buf.setEnd(1L << 40); // the high half counts too: an unsigned long was read, not an int
        assertEquals(128, read(k).makedumpfileText().length);
    }

    @Test
    void writeToStreamsTheSameBytes() throws Exception {
        SyntheticKernel k = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(k, 4, 10, false);
        ring.add(Msg.of(1, "a\nb"));
        Dmesg d = read(k);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        d.writeTo(out);
        assertArrayEquals(d.makedumpfileText(), out.toByteArray());
    }

    @Test
    void kernelVersionParsesLikeMakedumpfile() {
        assertEquals((6 << 16) + (1 << 8), Dmesg.kernelVersion("6.1.0-56-amd64"));
        assertEquals((3 << 16) + (10 << 8), Dmesg.kernelVersion("3.10"));
        assertEquals((2 << 16) + (6 << 8) + 32, Dmesg.kernelVersion("2.6.32-754.el6.x86_64"));
        assertEquals((4 << 16) + (9 << 8) + 255, Dmesg.kernelVersion("4.9.337"));
        assertEquals(-1, Dmesg.kernelVersion("linux"));
    }
}
