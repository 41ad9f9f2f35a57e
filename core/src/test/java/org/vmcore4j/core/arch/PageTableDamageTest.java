package org.vmcore4j.core.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.synthetic.ArrayPhysicalMemory;
import org.vmcore4j.core.synthetic.OverlayMemory;
import org.vmcore4j.core.synthetic.PageTableBuilder;

/**
 * Page tables with random entries overwritten: every translation either returns or fails with
 * {@link MemoryAccessException} / {@link VmcoreFormatException}, and addresses whose walk touches
 * no damaged entry still translate as before.
 */
class PageTableDamageTest {
    private static final long START = X86_64AddressSpace.START_KERNEL_MAP;
    private static final int TABLES = 1 << 20;
    private static ArrayPhysicalMemory pristine4;
    private static ArrayPhysicalMemory pristine5;
    private static final List<long[]> PROBES = new ArrayList<>(); // vaddr, expected paddr
    private static final long[] PROBE_BASES = {0xffffc90000000000L, 0xffffc90000200000L, 0xffff888000000000L,
        0xffffea0000000000L, 0xffffffffc0000000L};

    @BeforeContainer
    static void build() {
        pristine4 = build(4);
        pristine5 = build(5);
    }

    private static PageTableBuilder builder;

    private static ArrayPhysicalMemory build(int levels) {
        ArrayPhysicalMemory mem = new ArrayPhysicalMemory(4 << 20);
        PageTableBuilder pt = new PageTableBuilder(mem, levels, TABLES, 2 * TABLES, 0);
        List<long[]> probes = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            long v = PROBE_BASES[0] + 4096L * i * 7;
            pt.map(v, 0x300000 + 4096L * i, 12);
            probes.add(new long[] {v + 0x10, 0x300000 + 4096L * i + 0x10});
        }
        pt.map(PROBE_BASES[1], 0x200000, 21);
        probes.add(new long[] {PROBE_BASES[1] + 0x1234, 0x201234});
        pt.map(PROBE_BASES[2], 0, 30);
        probes.add(new long[] {PROBE_BASES[2] + 0x2000, 0x2000});
        pt.mapRange(PROBE_BASES[3], 0x200000, 0x400000, 21);
        probes.add(new long[] {PROBE_BASES[3] + 0x300000, 0x500000});
        pt.map(PROBE_BASES[4], 0x3ff000, 12);
        probes.add(new long[] {PROBE_BASES[4] + 8, 0x3ff008});
        if (levels == 4) {
            PROBES.clear();
            PROBES.addAll(probes);
            builder = pt;
        }
        return mem;
    }

    /** One damaged entry: a table slot and what is written there. */
    record Damage(long address, long value) {
    }

    @Provide
    Arbitrary<List<Damage>> damages() {
        Arbitrary<Long> slot = Arbitraries.longs().between(0, TABLES / 8 - 1).map(i -> TABLES + i * 8);
        // values that matter: pointers into the tables (loops), into RAM, beyond RAM, flag soup
        Arbitrary<Long> value = Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(0, 255).map(i -> TABLES + i * 4096 | PageTableBuilder.FLAGS),
                Arbitraries.longs().between(0, 1023).map(i -> i * 4096 | PageTableBuilder.FLAGS | PageTableBuilder.PSE),
                Arbitraries.longs().between(0, (1L << 40) - 1).map(i -> i << 12 | 1),
                Arbitraries.of(0L, 1L, -1L, 0x80L, 0x81L, 0x000ffffffffff001L, 0xfff0000000000fffL));
        return Combinators.combine(slot, value).as(Damage::new).list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 3000)
    void damagedTablesNeverFailOtherwise(@ForAll("damages") List<Damage> damages, @ForAll boolean fiveLevel,
            @ForAll @IntRange(min = 0, max = 1) int sme) throws IOException {
        OverlayMemory mem = new OverlayMemory(fiveLevel ? pristine5 : pristine4);
        Set<Long> touched = new HashSet<>();
        for (Damage d : damages) {
            mem.putLong(d.address(), d.value());
            touched.add(d.address());
        }
        long smeMask = sme == 1 ? 1L << 47 : 0;
        String info = String.join("\n", "OSRELEASE=6.1.0", "PAGESIZE=4096",
                "SYMBOL(init_top_pgt)=" + Long.toHexString(START + TABLES), "NUMBER(phys_base)=0",
                "NUMBER(pgtable_l5_enabled)=" + (fiveLevel ? 1 : 0), "NUMBER(sme_mask)=" + smeMask);
        X86_64AddressSpace s = X86_64AddressSpace.create(mem, VmcoreInfo.parse(info, "damaged"), List.of());
        for (long[] p : PROBES) {
            try {
                long pa = s.toPhysical(p[0]);
                boolean intact = !fiveLevel && builder.path(p[0]).stream().noneMatch(touched::contains);
                if (intact) {
                    assertEquals(p[1], pa, "an undamaged walk must not change");
                }
                byte[] b = new byte[16];
                s.read(p[0], b, 0, b.length);
            } catch (MemoryAccessException | VmcoreFormatException expected) {
                // the only failures a damaged table may cause
            }
        }
    }
}
