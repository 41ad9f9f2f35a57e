package org.vmcore4j.filter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Collects unusable VMCOREINFO keys so one error can name them all. */
final class MissingKeys {
    private final Set<String> keys = new LinkedHashSet<>();
    private final List<String> details = new ArrayList<>();

    void missing(String key) {
        keys.add(key);
    }

    void invalid(String key, String value) {
        if (keys.add(key)) {
            details.add(key + "='" + value + "' does not parse");
        }
    }

    void unusable(String key, String why) {
        if (keys.add(key)) {
            details.add(key + " " + why);
        }
    }

    boolean isEmpty() {
        return keys.isEmpty();
    }

    List<String> keys() {
        return List.copyOf(keys);
    }

    void clear() {
        keys.clear();
        details.clear();
    }

    /**
     * The error for a classification that needs these keys.
     *
     * @param what         what could not be done, e.g. "finding the kernel's struct page array"
     * @param level        the requested dump level
     * @param affectedBits level bits that need the keys; 0 if every level does
     */
    UnsupportedKernelException toException(String resource, String what, DumpLevel level, int affectedBits) {
        StringBuilder sb = new StringBuilder();
        sb.append("cannot classify pages for dump level ").append(level.value()).append(": ").append(what)
                .append(" needs VMCOREINFO keys that are missing or unusable: ").append(String.join(", ", keys));
        if (!details.isEmpty()) {
            sb.append(" (").append(String.join("; ", details)).append(')');
        }
        int conflicting = level.value() & affectedBits;
        if (affectedBits != 0 && conflicting != 0) {
            DumpLevel fallback = level.without(affectedBits);
            sb.append(". Level bits ").append(DumpLevel.describeBits(conflicting))
                    .append(" cannot be honoured for this kernel; a level without them (e.g. -d ")
                    .append(fallback.value()).append(") can be");
        } else if (affectedBits == 0) {
            sb.append(". No dump level that classifies pages can be served from this VMCOREINFO (makedumpfile "
                    + "would need -x vmlinux)").append(keys().contains("PAGESIZE") ? "" : "; -d 0 and -d 1 can");
        }
        return new UnsupportedKernelException(resource, sb.toString(), keys(), affectedBits);
    }
}
