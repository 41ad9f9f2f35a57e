package org.vmcore4j.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.CrashSignature;
import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.PhysicalRange;
import org.vmcore4j.core.HeaderFacts;
import org.vmcore4j.core.Utsname;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.WholeMachineImage;

/**
 * What a triage engineer wants first from a dump, gathered once: identity of the kernel, the crash
 * time, CPUs and their registers, memory, VMCOREINFO. Parts that cannot be read (no VMCOREINFO, an
 * untranslatable address) are left empty and explained in {@link #problems()}, so one damaged part
 * never hides the rest.
 */
record TriageReport(
        String file,
        String format,
        long fileSize,
        String architecture,
        String byteOrder,
        int pageSize,
        Optional<String> osRelease,
        Map<String, String> utsname,
        OptionalLong crashTime,
        OptionalLong kernelOffset,
        OptionalLong physBase,
        List<CpuState> cpus,
        List<PhysicalRange> ranges,
        long ramBytes,
        long endPfn,
        Map<String, String> vmcoreInfo,
        CrashSignature signature,
        Optional<String> wholeMachineImage,
        List<String> problems) {

    /** Field names of {@code struct new_utsname}, each {@code char[65]}, in order. */
    private static final String[] UTS_FIELDS = {"sysname", "nodename", "release", "version", "machine", "domainname"};
    private static final int UTS_FIELD_LEN = 65;

    static TriageReport of(Vmcore dump, long fileSize) {
        List<String> problems = new ArrayList<>();
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        Optional<Dmesg> log = Optional.empty();
        if (info.isEmpty()) {
            problems.add(DumpOpening.missingVmcoreInfo(dump, headerUtsname(dump).isEmpty()
                    ? "the kernel release, log and crash signature"
                    : "the kernel log and crash signature (the release is the kdump header's)"));
        } else {
            try {
                log = Optional.of(Dmesg.read(info.get(), dump.kernelAddressSpace()));
                log.get().damage().ifPresent(d -> problems.add("the kernel log is damaged: " + d));
            } catch (IOException | RuntimeException e) {
                problems.add("cannot read the kernel log: " + e.getMessage());
            }
        }
        CrashSignature signature = CrashSignature.of(log, dump.cpus(), info.flatMap(VmcoreInfo::osRelease));
        Map<String, String> uts = new LinkedHashMap<>();
        if (info.isPresent()) {
            try {
                KernelAddressSpace kas = dump.kernelAddressSpace();
                long base = info.get().requireSymbol("init_uts_ns")
                        + info.get().offset("uts_namespace.name").orElse(4);
                for (int i = 0; i < UTS_FIELDS.length; i++) {
                    uts.put(UTS_FIELDS[i], kas.readCString(base + (long) i * UTS_FIELD_LEN, UTS_FIELD_LEN));
                }
            } catch (IOException | RuntimeException e) {
                problems.add("cannot read init_uts_ns: " + e.getMessage());
            }
        }
        if (uts.isEmpty()) {
            uts.putAll(headerUtsname(dump));
        }
        Optional<String> release = info.flatMap(VmcoreInfo::osRelease);
        if (release.isEmpty() && !uts.getOrDefault("release", "").isEmpty()) {
            release = Optional.of(uts.get("release"));
        }
        PhysicalMemory mem = dump.physicalMemory();
        return new TriageReport(
                dump.description(),
                dump.formatName(),
                fileSize,
                dump.architecture().displayName(),
                dump.byteOrder().toString().toLowerCase(Locale.ROOT).replace('_', ' '),
                mem.pageSize(),
                release,
                uts,
                info.map(VmcoreInfo::crashTime).orElse(OptionalLong.empty()),
                info.map(VmcoreInfo::kernelOffset).orElse(OptionalLong.empty()),
                info.map(i -> i.number("phys_base")).orElse(OptionalLong.empty()),
                dump.cpus(),
                mem.ranges(),
                mem.totalBytes(),
                mem.endPfn(),
                info.map(VmcoreInfo::entries).orElse(Map.of()),
                signature,
                dump.wholeMachineImage().map(WholeMachineImage::describe),
                problems);
    }

    /**
     * The utsname a kdump-compressed file's header states (makedumpfile copies it from the kernel's
     * memory), where it names a release; else nothing. Other formats have no such field.
     */
    private static Map<String, String> headerUtsname(Vmcore dump) {
        Map<String, String> uts = new LinkedHashMap<>();
        Optional<Utsname> recorded = dump.headerFacts().map(HeaderFacts::utsname);
        if (recorded.isPresent() && !recorded.get().release().isEmpty()) {
            Utsname u = recorded.get();
            String[] values = {u.sysname(), u.nodename(), u.release(), u.version(), u.machine(), u.domainname()};
            for (int i = 0; i < UTS_FIELDS.length; i++) {
                uts.put(UTS_FIELDS[i], values[i]);
            }
        }
        return uts;
    }

    String toText() {
        StringBuilder sb = new StringBuilder();
        line(sb, "dump", file + " (" + format + ", " + fileSize + " bytes)");
        wholeMachineImage.ifPresent(w -> line(sb, "image", w));
        line(sb, "release", osRelease.orElse("unknown"));
        if (!utsname.isEmpty()) {
            line(sb, "kernel", utsname.get("sysname") + " " + utsname.get("nodename") + " " + utsname.get("release")
                    + " " + utsname.get("version") + " " + utsname.get("machine"));
        }
        line(sb, "arch", architecture + ", " + byteOrder + ", page size " + pageSize);
        crashTime.ifPresent(t -> line(sb, "crash time", Instant.ofEpochSecond(t) + " (" + t + ")"));
        kernelOffset.ifPresent(k -> line(sb, "KASLR", String.format(Locale.ROOT, "kernel offset 0x%x", k)));
        physBase.ifPresent(p -> line(sb, "phys_base", String.format(Locale.ROOT, "0x%x", p)));
        line(sb, "CPUs", cpus.size() + " with saved registers");
        for (CpuState c : cpus) {
            sb.append(String.format(Locale.ROOT, "  cpu %d  pid %d%n", c.cpu(), c.pid()));
            int col = 0;
            for (Map.Entry<String, Long> r : c.registers().entrySet()) {
                sb.append(col == 0 ? "    " : "  ").append(String.format(Locale.ROOT, "%-8s %016x", r.getKey(), r.getValue()));
                if (++col == 3) {
                    sb.append('\n');
                    col = 0;
                }
            }
            if (col != 0) {
                sb.append('\n');
            }
        }
        line(sb, "memory", String.format(Locale.ROOT, "%d ranges, %s of RAM, page frames below 0x%x", ranges.size(),
                bytes(ramBytes), endPfn));
        for (PhysicalRange r : ranges) {
            sb.append(String.format(Locale.ROOT, "  0x%016x-0x%016x  %s%n", r.start(), r.end(), bytes(r.size())));
        }
        SignatureJson.appendText(sb, signature);
        line(sb, "VMCOREINFO", vmcoreInfo.size() + " keys");
        vmcoreInfo.forEach((k, v) -> sb.append("  ").append(k).append('=').append(v).append('\n'));
        for (String p : problems) {
            line(sb, "problem", p);
        }
        return sb.toString();
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file);
        m.put("format", format);
        m.put("fileSize", fileSize);
        m.put("wholeMachineImage", wholeMachineImage.orElse(null));
        m.put("architecture", architecture);
        m.put("byteOrder", byteOrder);
        m.put("pageSize", pageSize);
        m.put("osRelease", osRelease.orElse(null));
        m.put("utsname", utsname);
        m.put("crashTime", crashTime.isPresent() ? crashTime.getAsLong() : null);
        m.put("crashTimeUtc", crashTime.isPresent() ? Instant.ofEpochSecond(crashTime.getAsLong()).toString() : null);
        m.put("kernelOffset", kernelOffset.isPresent() ? hex(kernelOffset.getAsLong()) : null);
        m.put("physBase", physBase.isPresent() ? hex(physBase.getAsLong()) : null);
        List<Object> cpuList = new ArrayList<>();
        for (CpuState c : cpus) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("cpu", c.cpu());
            cm.put("pid", c.pid());
            Map<String, Object> regs = new LinkedHashMap<>();
            c.registers().forEach((k, v) -> regs.put(k, hex(v)));
            cm.put("registers", regs);
            cpuList.add(cm);
        }
        m.put("cpus", cpuList);
        Map<String, Object> mem = new LinkedHashMap<>();
        List<Object> rl = new ArrayList<>();
        for (PhysicalRange r : ranges) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("start", hex(r.start()));
            rm.put("end", hex(r.end()));
            rl.add(rm);
        }
        mem.put("ranges", rl);
        mem.put("ramBytes", ramBytes);
        mem.put("endPfn", endPfn);
        m.put("memory", mem);
        m.put("signature", SignatureJson.toJson(signature));
        m.put("vmcoreinfo", vmcoreInfo);
        m.put("problems", problems);
        return m;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-11s %s%n", label + ":", value));
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }
}
