package org.vmcore4j.core.arch;

import java.util.EnumMap;
import java.util.Map;

/** The one {@link ArchitectureSupport} of each architecture. */
final class Supports {
    private static final Map<Architecture, ArchitectureSupport> SUPPORTS = new EnumMap<>(Architecture.class);

    static {
        SUPPORTS.put(Architecture.X86_64, new X86_64Support());
        SUPPORTS.put(Architecture.AARCH64, new Aarch64Support());
        for (Architecture a : Architecture.values()) {
            SUPPORTS.putIfAbsent(a, new UntranslatedSupport(a));
        }
    }

    private Supports() {
    }

    static ArchitectureSupport of(Architecture architecture) {
        return SUPPORTS.get(architecture);
    }
}
