package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.core.synthetic.LocklessRing;
import org.vmcore4j.core.synthetic.Msg;
import org.vmcore4j.core.synthetic.OverlayMemory;
import org.vmcore4j.core.synthetic.RecordBuffer;
import org.vmcore4j.core.synthetic.SyntheticKernel;
import org.vmcore4j.core.synthetic.TextBuffer;

/**
 * Coverage-guided fuzzing of {@link Dmesg#read} on mutated printk buffers (issue #8): the sound
 * rings of a synthetic kernel of each generation (lockless 6.1, records 5.4, text 2.6.32) with
 * fuzzer-chosen bytes overwritten give a log, or {@link VmcoreFormatException} /
 * {@link MemoryAccessException}; never another exception, never a hang.
 *
 * <p>Input framing: byte 0 picks the kernel ({@code % 3}), byte 1 bit 0 is {@code sinceClear}; then
 * patches of [u8 region][u32 BE position (modulo the region's length)][u8 n][n bytes]. Seeds in
 * {@code DmesgFuzzTestInputs}.
 */
class DmesgFuzzTest {
    private static final int MB = 1 << 20;
    static final List<Base> BASES = build();

    /** A built kernel and the regions ({vaddr, length}) of its printk buffer. */
    record Base(SyntheticKernel kernel, List<long[]> regions) {
    }

    static List<Base> build() {
        List<Base> bases = new ArrayList<>();
        Random r = new Random(1);
        SyntheticKernel a = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(a, 5, 11, true);
        for (int i = 0; i < 40; i++) {
            ring.add(Msg.of(i * 1_000_000L, i, ("lockless " + i + " " + "z".repeat(r.nextInt(40)))
                    .getBytes(StandardCharsets.US_ASCII)));
        }
        bases.add(new Base(a, ring.regions()));
        SyntheticKernel b = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(b, 2048, true, false);
        for (int i = 0; i < 40; i++) {
            buf.add(Msg.of(i * 1_000_000L, i, ("record " + i + " " + "z".repeat(r.nextInt(40)))
                    .getBytes(StandardCharsets.US_ASCII)));
        }
        bases.add(new Base(b, buf.regions()));
        SyntheticKernel c = new SyntheticKernel(8 * MB, "2.6.32");
        TextBuffer text = new TextBuffer(c, 1024, false);
        for (int i = 0; i < 30; i++) {
            text.print("<6>[    " + i + ".000000] text " + i + "\n");
        }
        bases.add(new Base(c, text.regions()));
        return bases;
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void read(byte[] data) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(data);
        Base base = BASES.get(in.hasRemaining() ? (in.get() & 0xff) % BASES.size() : 0);
        boolean sinceClear = in.hasRemaining() && (in.get() & 1) == 1;
        SyntheticKernel k = base.kernel();
        OverlayMemory mem = new OverlayMemory(k.memory());
        while (in.remaining() >= 6) {
            long[] region = base.regions().get((in.get() & 0xff) % base.regions().size());
            long at = Integer.toUnsignedLong(in.getInt()) % Math.max(1, region[1]);
            int n = Math.min(in.get() & 0xff, in.remaining());
            for (int i = 0; i < n; i++) {
                byte v = in.get();
                if (at + i < region[1]) {
                    mem.putByte(k.phys(region[0] + at + i), v);
                }
            }
        }
        VmcoreInfo info = k.vmcoreInfo();
        try {
            X86_64AddressSpace space = X86_64AddressSpace.create(mem, info, k.mappings());
            Dmesg d = Dmesg.read(info, space, sinceClear);
            byte[] text = d.makedumpfileText();
            assertTrue(text.length >= 0);
            d.records().forEach(Dmesg.Record::text);
            d.damage();
        } catch (VmcoreFormatException | MemoryAccessException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
        }
    }
}
