package org.vmcore4j.cli.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.vmcore4j.core.Utsname;

/**
 * What the collector's {@code --archive} stores beside the dump, in {@value #NAME}: one
 * {@code key=value} line each (values on one line, as in os-release), so {@code tar -xOf A metadata.txt}
 * and a shell {@code grep} read it. Keys: {@code archive_format}, {@code dump} (the member holding the
 * dump), {@code dump_format} ({@code kdump} or {@code elf}), {@code kernel_release},
 * {@code kernel_version}, {@code machine}, {@code hostname} and {@code domainname} (the crashed
 * kernel's utsname), {@code crash_time} (seconds since the epoch) and {@code crash_time_utc},
 * {@code collector} and {@code collector_options}. The capture system's {@code /etc/os-release} is
 * stored verbatim as the member {@value #OS_RELEASE} where it exists.
 */
public final class ArchiveMetadata {
    public static final String NAME = "metadata.txt";
    public static final String OS_RELEASE = "capture-os-release";
    public static final String DUMP = "vmcore";
    public static final int FORMAT_VERSION = 1;

    private ArchiveMetadata() {
    }

    /** The members written before the dump: the metadata, then the os-release file if {@code osRelease} exists. */
    public static Map<String, byte[]> members(String dumpFormat, Utsname uts, OptionalLong crashTime, String collector,
            List<String> options, Path osRelease) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("archive_format", "vmcore4j-archive " + FORMAT_VERSION);
        m.put("dump", DUMP);
        m.put("dump_format", dumpFormat);
        if (uts != null) {
            m.put("kernel_release", uts.release());
            m.put("kernel_version", uts.version());
            m.put("machine", uts.machine());
            m.put("hostname", uts.nodename());
            m.put("domainname", uts.domainname());
        }
        if (crashTime.isPresent()) {
            m.put("crash_time", Long.toString(crashTime.getAsLong()));
            m.put("crash_time_utc", Instant.ofEpochSecond(crashTime.getAsLong()).toString());
        }
        m.put("collector", collector);
        m.put("collector_options", String.join(" ", options));
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(k).append('=').append(oneLine(v)).append('\n'));
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put(NAME, sb.toString().getBytes(StandardCharsets.UTF_8));
        if (osRelease != null && Files.isRegularFile(osRelease) && Files.size(osRelease) < (1 << 20)) {
            members.put(OS_RELEASE, Files.readAllBytes(osRelease));
        }
        return members;
    }

    private static String oneLine(String v) {
        return v.replace('\n', ' ').replace('\r', ' ');
    }
}
