package org.vmcore4j.cli.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.MemoryAccessException;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.arch.Aarch64AddressSpace;
import org.vmcore4j.core.arch.UnmappedAddressException;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresAarch64Corpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;

/**
 * The two aarch64 corpus dumps (one Debian 6.12 kernel, booted with 52-bit addresses and LPA2, and
 * with {@code arm64.nolva}) read on this x86_64 host: the translation set up from VMCOREINFO
 * alone, the kernel's own {@code init_uts_ns} through it, the dump's PT_LOADs agreeing with the
 * tables, and libkdumpfile reading the same registers and the same bytes at more than 10,000
 * kernel-virtual and 10,000 physical addresses of each.
 */
@RequiresAarch64Corpus
class Aarch64CorpusTest {
    static final int SAMPLE = 10_000;

    static List<Corpus.Dump> dumps() {
        return Corpus.aarch64Dumps();
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void translationComesFromVmcoreinfoAndAgreesWithTheStatedMappings(Corpus.Dump dump) throws Exception {
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            VmcoreInfo info = v.vmcoreInfo().orElseThrow();
            Aarch64AddressSpace kas = assertInstanceOf(Aarch64AddressSpace.class, v.kernelAddressSpace());
            boolean va48 = Corpus.booted48Bit(dump);
            assertEquals(52, kas.configuredVaBits(), kas.toString());
            assertEquals(va48 ? 48 : 52, kas.vaBits(), kas.toString());
            assertEquals(va48 ? 4 : 5, kas.pagingLevels(), kas.toString());
            assertEquals(!va48, kas.lpa2(), kas.toString());
            // the kernel's own arithmetic (its built PAGE_OFFSET, its PHYS_OFFSET) agrees with its tables
            assertEquals(Aarch64AddressSpace.LinearOffsetSource.PHYS_OFFSET, kas.linearOffsetSource(), kas.toString());
            assertEquals(kas.pageOffset() - 0x4000_0000L, kas.linearOffset(), "RAM starts at 1 GiB on QEMU's virt machine");
            long utsname = info.requireSymbol("init_uts_ns") + info.offset("uts_namespace.name").orElse(4);
            assertEquals("Linux", kas.readCString(utsname, 65));
            assertEquals(info.osRelease().orElseThrow(), kas.readCString(utsname + 65 * 2, 65));
            assertEquals("aarch64", kas.readCString(utsname + 65 * 4, 65));

            Random r = new Random(dump.name().hashCode());
            int checked = 0;
            int imageChecked = 0;
            int imageUnmapped = 0;
            for (VirtualMapping m : v.statedMappings()) {
                boolean image = m.virtualAddress() - m.physicalAddress() == kas.kimageVoffset();
                for (int i = 0; i < 500; i++) {
                    long o = i == 0 ? 0 : (r.nextLong() & Long.MAX_VALUE) % m.size();
                    long va = m.virtualAddress() + o;
                    assertEquals(m.physicalAddress() + o, kas.toPhysical(va), String.format(Locale.ROOT, "vaddr 0x%x", va));
                    checked++;
                    imageChecked += image ? 1 : 0;
                    KernelAddressSpace.PageTranslation t;
                    try {
                        t = kas.walkPageTables(va);
                    } catch (UnmappedAddressException e) {
                        // the kernel unmaps its image's __init section once booted (arm64 free_initmem)
                        assertTrue(image, e.getMessage());
                        imageUnmapped++;
                        continue;
                    }
                    assertEquals(m.physicalAddress() + o, t.physicalBase() + (va - t.virtualBase()),
                            String.format(Locale.ROOT, "page-table walk of 0x%x", va));
                }
            }
            assertTrue(checked >= 1000, "checked " + checked);
            // (about a fifth of Debian's 43 MiB image on these dumps)
            assertTrue(imageChecked > 0 && imageUnmapped < imageChecked / 3,
                    imageUnmapped + " of " + imageChecked + " kernel-image addresses unmapped");
            System.out.printf(Locale.ROOT, "%s: %s; %,d stated addresses translated, all walked alike but %,d of the image's "
                    + "(its freed __init section)%n", dump.name(), kas, checked, imageUnmapped);
        }
    }

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresLibkdumpfile
    void registersEqualLibkdumpfiles(Corpus.Dump dump) throws Exception {
        String script = String.join("\n",
                "import sys, kdumpfile",
                "k = kdumpfile.kdumpfile(sys.argv[1])",
                "for c in range(k.attr['cpu.number']):",
                "    print(c, 'pid', int(k.attr['cpu.%d.pid' % c]))",
                "    regs = k.attr['cpu.%d.reg' % c]",
                "    for name in sorted(regs.keys()):",
                "        print(c, name, int(regs[name]))");
        List<String> theirs = python(script, dump.vmcore().toString(), "");
        List<String> ours = new ArrayList<>();
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            for (CpuState cpu : v.cpus()) {
                ours.add(cpu.cpu() + " pid " + cpu.pid());
                cpu.registers().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> ours.add(cpu.cpu() + " " + e.getKey() + " " + Long.toUnsignedString(e.getValue())));
            }
        }
        assertEquals(String.join("\n", theirs), String.join("\n", ours));
        assertTrue(ours.size() >= 2 * 35, "two CPUs of 34 registers each: " + ours.size());
        assertTrue(ours.stream().anyMatch(l -> l.matches("\\d+ pc [1-9]\\d*")), "a CPU has a program counter");
    }

    /**
     * Kernel addresses from all over the space: the linear map (the PT_LOADs), the kernel image
     * (VMCOREINFO's symbols), the crash-time stacks (vmalloc, through the registers' sp) and the
     * {@code struct page} array (vmemmap, through the SPARSEMEM section table).
     */
    private static List<Long> kernelSample(Vmcore v, KernelAddressSpace kas, Random r) throws IOException {
        VmcoreInfo info = v.vmcoreInfo().orElseThrow();
        List<Long> out = new ArrayList<>();
        for (VirtualMapping m : v.statedMappings()) {
            for (int i = 0; i < 3000; i++) {
                out.add(m.virtualAddress() + ((r.nextLong() & Long.MAX_VALUE) % m.size() & -16L));
            }
        }
        for (Map.Entry<String, String> e : info.entries().entrySet()) {
            if (e.getKey().startsWith("SYMBOL(")) {
                long base = info.symbol(e.getKey().substring(7, e.getKey().length() - 1)).orElse(0);
                for (int i = 0; i < 40 && base != 0; i++) {
                    out.add(base + (r.nextInt(1 << 16) & -16));
                }
            }
        }
        for (CpuState cpu : v.cpus()) {
            long sp = cpu.registers().getOrDefault("sp", 0L);
            for (int i = 0; i < 200 && sp != 0; i++) {
                out.add((sp & -16384L) + (r.nextInt(16384) & -16));
            }
        }
        long section = info.symbol("mem_section").orElse(0);
        long sizeSection = info.size("mem_section").orElse(0);
        long offMap = info.offset("mem_section.section_mem_map").orElse(-1);
        long sizePage = info.size("page").orElse(0);
        long bits = info.number("SECTION_SIZE_BITS").orElse(0);
        int pageShift = Long.numberOfTrailingZeros(info.pageSize().orElse(4096));
        if (section != 0 && sizeSection > 0 && offMap >= 0 && sizePage > 0 && bits > pageShift) {
            long perRoot = info.pageSize().orElse(4096) / sizeSection;
            PhysicalMemory mem = v.physicalMemory();
            for (int i = 0; i < 4000; i++) {
                long pfn = (r.nextLong() & Long.MAX_VALUE) % mem.endPfn();
                long nr = pfn >>> (bits - pageShift);
                long root = kas.readPointer(section + (nr / perRoot) * 8);
                if (root == 0) {
                    continue;
                }
                long map = kas.readLong(root + (nr % perRoot) * sizeSection + offMap) & ~0x1fL;
                if (map != 0) {
                    out.add(map + pfn * sizePage);
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("dumps")
    @RequiresLibkdumpfile
    void libkdumpfileReadsTheSameBytesAtKernelAndPhysicalAddresses(Corpus.Dump dump) throws Exception {
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
                "    kind, a = line.split()",
                "    print(rd(kdumpfile.KDUMP_KVADDR if kind == 'v' else kdumpfile.KDUMP_KPHYSADDR, int(a, 16)))");
        try (Vmcore v = Vmcore.open(dump.vmcore())) {
            KernelAddressSpace kas = v.kernelAddressSpace();
            Random r = new Random(dump.name().hashCode() * 31L);
            Map<String, String> ours = new LinkedHashMap<>();
            for (long a : kernelSample(v, kas, r)) {
                ours.put("v " + Long.toHexString(a), read(kas::read, a));
            }
            List<PhysicalRange> ranges = v.physicalMemory().ranges();
            long total = ranges.stream().mapToLong(PhysicalRange::size).sum();
            for (int i = 0; i < SAMPLE; i++) {
                long o = (r.nextLong() & Long.MAX_VALUE) % total & -16L;
                for (PhysicalRange pr : ranges) {
                    if (o < pr.size()) {
                        ours.put("p " + Long.toHexString(pr.start() + o), read(v.physicalMemory()::read, pr.start() + o));
                        break;
                    }
                    o -= pr.size();
                }
            }
            List<String> keys = new ArrayList<>(ours.keySet());
            List<String> theirs = python(script, dump.vmcore().toString(), String.join("\n", keys) + "\n");
            assertEquals(keys.size(), theirs.size());
            int virtual = 0;
            int nonZero = 0;
            int unmapped = 0;
            for (int i = 0; i < keys.size(); i++) {
                String mine = ours.get(keys.get(i));
                assertEquals(theirs.get(i), mine, keys.get(i) + " (libkdumpfile vs ours)");
                virtual += keys.get(i).startsWith("v") ? 1 : 0;
                nonZero += mine.matches("0+|ERR") ? 0 : 1;
                unmapped += mine.equals("ERR") ? 1 : 0;
            }
            assertTrue(virtual >= SAMPLE, "kernel-virtual addresses sampled: " + virtual);
            assertTrue(keys.size() - virtual >= SAMPLE * 9 / 10, "physical addresses sampled: " + (keys.size() - virtual));
            assertTrue(nonZero > keys.size() / 4, "too few addresses with content to tell translations apart: " + nonZero);
            assertTrue(unmapped < keys.size() / 20, unmapped + " unreadable of " + keys.size());
            System.out.printf(Locale.ROOT, "%s: libkdumpfile reads the same 16 bytes at %,d kernel-virtual and %,d physical "
                    + "addresses (%,d with content, %,d unreadable to both)%n", dump.name(), virtual,
                    keys.size() - virtual, nonZero, unmapped);
        }
    }

    private interface Reader {
        void read(long address, byte[] dst, int off, int len) throws IOException;
    }

    private static String read(Reader reader, long address) throws IOException {
        byte[] b = new byte[16];
        try {
            reader.read(address, b, 0, 16);
            return HexFormat.of().formatHex(b);
        } catch (MemoryAccessException e) {
            return "ERR";
        }
    }

    /** Runs {@code script dump} with {@code stdin} from a file, so a long answer cannot block the request. */
    private static List<String> python(String script, String dump, String stdin) throws Exception {
        Path in = Files.createTempFile("libkdumpfile-input", ".txt");
        try {
            Files.writeString(in, stdin, StandardCharsets.US_ASCII);
            Process p = new ProcessBuilder(Corpus.systemPython(), "-c", script, dump).redirectInput(in.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "libkdumpfile timed out");
            assertEquals(0, p.exitValue(), "libkdumpfile failed");
            return lines;
        } finally {
            Files.deleteIfExists(in);
        }
    }
}
