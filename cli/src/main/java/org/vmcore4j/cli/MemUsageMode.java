package org.vmcore4j.cli;

import java.io.IOException;

import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.filter.MemoryUsage;

/** {@code --mem-usage}: how the memory of VMCORE is used, page class by page class. */
final class MemUsageMode {
    private MemUsageMode() {
    }

    /**
     * {@code --mem-usage}: the page classes of VMCORE, as makedumpfile's show_mem_usage prints them (on
     * success it prints no "Completed" line). makedumpfile first requires a "Crash kernel" range in
     * /proc/iomem, since its purpose there is sizing that reservation; the figures do not depend on it
     * (see {@link MemoryUsage}), so vmcore4j does not ask, and runs on a vmcore of another machine too.
     */
    static int run(CollectorCommand options, MessageOutput messages) throws IOException {
        try (Vmcore dump = DumpFiles.openInput(DumpFiles.inputs(options), true, options)) {
            // makedumpfile refuses kernels before 4.11 unless -f: their /proc/kcore has no valid p_paddr
            String release = dump.vmcoreInfo().flatMap(VmcoreInfo::osRelease).orElse("");
            if (!options.force && olderThan(release, 4, 11)) {
                messages.common("mem-usage not supported for this kernel.\n"
                        + "You can try with -f if your kernel's kcore has valid p_paddr\n");
                return messages.finish(Main.FAILED);
            }
            MemoryUsage usage = MemoryUsage.of(dump, new ProgressPrinter(messages));
            messages.common(MemoryUsageTable.render(usage));
        }
        messages.common("\n");
        return Main.COMPLETED;
    }

    /** Whether a kernel release such as {@code 4.9.0-8-amd64} is older than {@code major.minor}; false if unknown. */
    static boolean olderThan(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d{1,6})\\.(\\d{1,6})").matcher(release);
        if (!m.find()) {
            return false;
        }
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(2));
        return a < major || (a == major && b < minor);
    }
}
