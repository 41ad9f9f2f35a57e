package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.core.synthetic.LocklessRing;
import org.vmcore4j.core.synthetic.Msg;
import org.vmcore4j.core.synthetic.OverlayMemory;
import org.vmcore4j.core.synthetic.RecordBuffer;
import org.vmcore4j.core.synthetic.SyntheticKernel;
import org.vmcore4j.core.synthetic.TextBuffer;

/**
 * Sound rings of all three generations with random words overwritten (indices, ids, sizes,
 * lengths, positions, pointers, text) and random VMCOREINFO values replaced: reading gives a log or
 * {@link VmcoreFormatException} / {@link MemoryAccessException}, never another exception, and
 * always within seconds.
 */
class DmesgDamageTest {
    private static final int MB = 1 << 20;
    private static final List<Base> BASES = new ArrayList<>();

    /** A built kernel and the regions of its printk buffer. */
    record Base(SyntheticKernel kernel, List<long[]> regions) {
    }

    @BeforeContainer
    static void build() {
        BASES.clear();
        Random r = new Random(1);
        SyntheticKernel a = new SyntheticKernel(8 * MB, "6.1.0");
        LocklessRing ring = new LocklessRing(a, 5, 11, true);
        for (int i = 0; i < 120; i++) {
            ring.add(Msg.of(i * 1_000_000L, i, ("lockless " + i + " " + "z".repeat(r.nextInt(40))).getBytes(StandardCharsets.US_ASCII)));
        }
        BASES.add(new Base(a, ring.regions()));

        SyntheticKernel b = new SyntheticKernel(8 * MB, "5.4.0");
        RecordBuffer buf = new RecordBuffer(b, 2048, true, false);
        for (int i = 0; i < 120; i++) {
            buf.add(Msg.of(i * 1_000_000L, i, ("record " + i + " " + "z".repeat(r.nextInt(40))).getBytes(StandardCharsets.US_ASCII)));
        }
        BASES.add(new Base(b, buf.regions()));

        SyntheticKernel c = new SyntheticKernel(8 * MB, "2.6.32");
        TextBuffer text = new TextBuffer(c, 1024, false);
        for (int i = 0; i < 60; i++) {
            text.print("<6>[    " + i + ".000000] text " + i + "\n");
        }
        BASES.add(new Base(c, text.regions()));
    }

    /** One overwrite: which region, where in it (a fraction), how wide, what value. */
    record Damage(int region, double where, int width, long value) {
    }

    @Provide
    Arbitrary<List<Damage>> damages() {
        Arbitrary<Long> value = Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(-4, 70_000),
                Arbitraries.of(0L, -1L, 1L << 62, 3L << 62, Long.MAX_VALUE, 0x7fffffffL, 0x80000000L, 0xffffL));
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.doubles().between(0, 1),
                Arbitraries.of(1, 2, 4, 8), value).as(Damage::new).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> infoDamages() {
        return Arbitraries.integers().between(0, 10_000).list().ofMaxSize(3);
    }

    @Property(tries = 4000)
    void damagedRingsGiveALogOrADumpError(@ForAll @IntRange(min = 0, max = 2) int generation,
            @ForAll("damages") List<Damage> damages, @ForAll("infoDamages") List<Integer> infoDamages,
            @ForAll boolean sinceClear, @ForAll long seed) throws Throwable {
        Base base = BASES.get(generation);
        SyntheticKernel k = base.kernel();
        OverlayMemory mem = new OverlayMemory(k.memory());
        for (Damage d : damages) {
            long[] region = base.regions().get(d.region() % base.regions().size());
            long off = (long) (d.where() * Math.max(0, region[1] - d.width()));
            for (int i = 0; i < d.width() && off + i < region[1]; i++) {
                mem.putByte(k.phys(region[0] + off + i), (int) (d.value() >>> (8 * i)));
            }
        }
        String info = k.vmcoreInfoText();
        if (!infoDamages.isEmpty()) {
            String[] lines = info.split("\n");
            Random r = new Random(seed);
            for (int which : infoDamages) {
                int i = which % lines.length;
                int eq = lines[i].indexOf('=');
                if (eq > 0 && !lines[i].startsWith("SYMBOL(init_top_pgt)") && !lines[i].startsWith("NUMBER(phys_base)")) {
                    String v = switch (r.nextInt(4)) {
                        case 0 -> Integer.toString(r.nextInt(100_000));
                        case 1 -> Long.toHexString(r.nextLong());
                        case 2 -> "-" + r.nextInt(100);
                        default -> "";
                    };
                    lines[i] = lines[i].substring(0, eq + 1) + v;
                }
            }
            info = String.join("\n", lines);
        }
        VmcoreInfo vi = VmcoreInfo.parse(info, "damaged");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try {
                X86_64AddressSpace space = X86_64AddressSpace.create(mem, vi, k.mappings());
                Dmesg d = Dmesg.read(vi, space, sinceClear);
                d.makedumpfileText();
                d.records().forEach(Dmesg.Record::text);
            } catch (VmcoreFormatException | MemoryAccessException expected) {
                // the two ways a damaged dump may fail
            }
        });
    }
}
