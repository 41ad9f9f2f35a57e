package org.vmcore4j.cli.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;

/**
 * x86_64 address translation on every corpus dump: the kernel's own {@code init_uts_ns} read
 * through it, the dump's stated mappings and its page tables agreeing, and libkdumpfile reading
 * the same bytes at a few thousand kernel addresses.
 */
@RequiresCorpus
class KernelAddressSpaceCorpusTest {
    private static final long START_KERNEL_MAP = X86_64AddressSpace.START_KERNEL_MAP;

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    private static String field(KernelAddressSpace kas, long utsname, int index) throws IOException {
        return kas.readCString(utsname + 65L * index, 65);
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void initUtsNameThroughThePageTablesIsTheRelease(Corpus.Dump dump) throws Exception {
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            KernelAddressSpace kas = v.kernelAddressSpace();
            X86_64AddressSpace x = assertInstanceOf(X86_64AddressSpace.class, kas);
            long utsname = info.requireSymbol("init_uts_ns") + info.offset("uts_namespace.name").orElse(4);
            assertEquals("Linux", field(kas, utsname, 0));
            assertEquals(info.osRelease().orElseThrow(), field(kas, utsname, 2));
            assertEquals("x86_64", field(kas, utsname, 4));

            // the same through a full page-table walk rather than the image-window arithmetic
            KernelAddressSpace.PageTranslation t = x.walkPageTables(utsname);
            assertEquals(kas.toPhysical(utsname), t.physicalBase() + (utsname - t.virtualBase()));
            assertEquals(X86_64AddressSpace.PhysBaseSource.VMCOREINFO, x.physBaseSource());
            assertEquals(info.kernelOffset(), x.kernelOffset());

            // the direct-map base: from the PT_LOADs, and independently from mem_section's translation
            assertEquals(X86_64AddressSpace.PageOffsetSource.STATED_MAPPING, x.pageOffsetSource());
            X86_64AddressSpace withoutMappings = X86_64AddressSpace.create(v.physicalMemory(), info, List.of());
            assertEquals(X86_64AddressSpace.PageOffsetSource.DIRECT_MAP_SYMBOL, withoutMappings.pageOffsetSource());
            assertEquals(x.pageOffset(), withoutMappings.pageOffset());
            assertEquals(kas.toPhysical(utsname), withoutMappings.toPhysical(utsname));
        }
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void statedMappingsAndPageTablesAgree(Corpus.Dump dump) throws Exception {
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            X86_64AddressSpace kas = (X86_64AddressSpace) v.kernelAddressSpace();
            Random r = new Random(dump.name().hashCode());
            int checked = 0;
            int textWalked = 0;
            for (VirtualMapping m : v.statedMappings()) {
                List<Long> offsets = new ArrayList<>(List.of(0L, m.size() - 1, m.size() / 2));
                for (int i = 0; i < 2000; i++) {
                    offsets.add((r.nextLong() & Long.MAX_VALUE) % m.size());
                }
                boolean text = Long.compareUnsigned(m.virtualAddress(), START_KERNEL_MAP) >= 0;
                for (long o : offsets) {
                    long va = m.virtualAddress() + o;
                    assertEquals(m.physicalAddress() + o, kas.toPhysical(va), String.format(Locale.ROOT, "vaddr 0x%x", va));
                    checked++;
                    if (text) {
                        // kernel text is translated arithmetically; the tables must say the same
                        KernelAddressSpace.PageTranslation t = kas.walkPageTables(va);
                        assertEquals(m.physicalAddress() + o, t.physicalBase() + (va - t.virtualBase()),
                                String.format(Locale.ROOT, "page-table walk of 0x%x", va));
                        textWalked++;
                    }
                }
            }
            assertTrue(checked > 6000, "checked " + checked);
            assertTrue(textWalked > 2000, "walked " + textWalked + " kernel-text addresses");
        }
    }

    /**
     * Addresses from all over the kernel's space: the direct map, kernel text, and what the dump
     * tells of its vmalloc area (busy vmap areas through {@code vmap_area_list}) or of its
     * {@code struct page} array ({@code SYMBOL(vmemmap)}).
     */
    private static List<Long> sample(Vmcore v, X86_64AddressSpace kas, Random r) throws IOException {
        VmcoreInfo info = v.vmcoreInfo().orElseThrow();
        List<Long> out = new ArrayList<>();
        for (VirtualMapping m : v.statedMappings()) {
            for (int i = 0; i < 600; i++) {
                out.add(m.virtualAddress() + ((r.nextLong() & Long.MAX_VALUE) % m.size() & -16L));
            }
        }
        if (info.symbol("vmap_area_list").isPresent() && info.offset("vmap_area.list").isPresent()
                && info.offset("vmap_area.va_start").isPresent()) {
            long head = info.symbol("vmap_area_list").getAsLong();
            long listOff = info.offset("vmap_area.list").getAsLong();
            long startOff = info.offset("vmap_area.va_start").getAsLong();
            long node = kas.readPointer(head);
            for (int i = 0; i < 5000 && node != head; i++) {
                long start = kas.readPointer(node - listOff + startOff);
                out.add(start + (r.nextInt(4096) & -16));
                node = kas.readPointer(node);
            }
        }
        if (kas.vmemmapBase().isPresent() && info.size("page").isPresent()) {
            long pageSize = info.size("page").getAsLong();
            PhysicalMemory mem = v.physicalMemory();
            for (int i = 0; i < 1500; i++) {
                long pfn = (r.nextLong() & Long.MAX_VALUE) % mem.endPfn();
                out.add(kas.vmemmapBase().getAsLong() + pfn * pageSize);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresLibkdumpfile
    void libkdumpfileReadsTheSameBytes(Corpus.Dump dump) throws Exception {
        // libkdumpfile's Python addrxlat conversion is unusable in Debian's build, so translations
        // are compared through reads: its KVADDR read, its KPHYSADDR read at our physical address,
        // and ours must be the same bytes; where we find no mapping, its KVADDR read must fail too.
        String script = String.join("\n",
                "import sys, kdumpfile",
                "k = kdumpfile.kdumpfile(sys.argv[1])",
                "k.attr['addrxlat.ostype'] = 'linux'",
                "def rd(space, a):",
                "    try:",
                "        return k.read(space, a, 16).hex()",
                "    except Exception:",
                "        return 'ERR'",
                "for line in sys.stdin:",
                "    v, p = line.split()",
                "    print(rd(kdumpfile.KDUMP_KVADDR, int(v, 16)),"
                        + " 'ERR' if p == '-' else rd(kdumpfile.KDUMP_KPHYSADDR, int(p, 16)))");
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            X86_64AddressSpace kas = (X86_64AddressSpace) v.kernelAddressSpace();
            List<Long> addrs = sample(v, kas, new Random(dump.name().hashCode() * 31L));
            List<String> ours = new ArrayList<>();
            StringBuilder in = new StringBuilder();
            int unmapped = 0;
            for (long a : addrs) {
                try {
                    long pa = kas.toPhysical(a);
                    byte[] b = new byte[16];
                    kas.read(a, b, 0, 16);
                    ours.add(HexFormat.of().formatHex(b));
                    in.append(Long.toHexString(a)).append(' ').append(Long.toHexString(pa)).append('\n');
                } catch (MemoryAccessException e) {
                    ours.add("ERR");
                    in.append(Long.toHexString(a)).append(" -\n");
                    unmapped++;
                }
            }
            Process p = new ProcessBuilder(Corpus.systemPython(), "-c", script, dump.vmcore().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (OutputStream o = p.getOutputStream()) {
                o.write(in.toString().getBytes(StandardCharsets.US_ASCII));
            }
            List<String> theirs = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "libkdumpfile timed out");
            assertEquals(0, p.exitValue());
            assertEquals(addrs.size(), theirs.size());
            int nonZero = 0;
            for (int i = 0; i < addrs.size(); i++) {
                String[] t = theirs.get(i).split(" ");
                String where = String.format(Locale.ROOT, "vaddr 0x%x", addrs.get(i));
                assertEquals(t[0], ours.get(i), where + " (libkdumpfile KVADDR read vs ours)");
                assertEquals(t[1], ours.get(i), where + " (libkdumpfile KPHYSADDR read at our physical address vs ours)");
                nonZero += ours.get(i).matches("[0]+|ERR") ? 0 : 1;
            }
            assertTrue(addrs.size() >= 2500, "sampled " + addrs.size());
            assertTrue(nonZero > addrs.size() / 4, "too few addresses with content to tell translations apart: " + nonZero);
            assertTrue(unmapped < addrs.size() / 10, unmapped + " unmapped of " + addrs.size());
        }
    }
}
