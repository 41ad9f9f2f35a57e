package org.vmcore4j.core.arch;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The one {@link ArchitectureSupport} of each architecture. */
final class Supports {
    private static final Map<Architecture, ArchitectureSupport> SUPPORTS = new EnumMap<>(Architecture.class);

    static {
        SUPPORTS.put(Architecture.X86_64, new X86_64Support());
        SUPPORTS.put(Architecture.AARCH64, new Aarch64Support());
        SUPPORTS.put(Architecture.X86, new UntranslatedSupport(Architecture.X86, List.of(
                "ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax",
                "eip", "cs", "eflags", "esp", "ss")));
        for (Architecture a : Architecture.values()) {
            SUPPORTS.putIfAbsent(a, new UntranslatedSupport(a, List.of()));
        }
    }

    private Supports() {
    }

    static ArchitectureSupport of(Architecture architecture) {
        return SUPPORTS.get(architecture);
    }
}
