package org.vmcore4j.filter;

import java.util.OptionalLong;
import org.vmcore4j.core.VmcoreInfo;

/**
 * Reads VMCOREINFO values the way makedumpfile 1.7.9 stores them: an absent key reads as
 * {@link #NOT_FOUND} ({@code NOT_FOUND_NUMBER}/{@code NOT_FOUND_STRUCTURE} are -1 in dwarf_info.h,
 * {@code NOT_FOUND_SYMBOL} is 0), so a key whose value is -1 is indistinguishable from an absent one,
 * exactly as there. A key that is present but does not parse makes makedumpfile stop ("Invalid data
 * in ..."); here it is reported as unusable.
 */
final class VmcoreInfoKeys {
    static final long NOT_FOUND = -1;

    private final VmcoreInfo info;

    VmcoreInfoKeys(VmcoreInfo info) {
        this.info = info;
    }

    VmcoreInfo info() {
        return info;
    }

    long size(String type, MissingKeys p) {
        return value("SIZE(" + type + ")", info.size(type), p);
    }

    long offset(String member, MissingKeys p) {
        return value("OFFSET(" + member + ")", info.offset(member), p);
    }

    long length(String name, MissingKeys p) {
        return value("LENGTH(" + name + ")", info.length(name), p);
    }

    long number(String name, MissingKeys p) {
        return value("NUMBER(" + name + ")", info.number(name), p);
    }

    /** A symbol's address, or 0 when absent (makedumpfile's NOT_FOUND_SYMBOL). */
    long symbol(String name, MissingKeys p) {
        String key = "SYMBOL(" + name + ")";
        OptionalLong v = info.symbol(name);
        if (v.isPresent()) {
            return v.getAsLong();
        }
        if (info.raw(key).isPresent()) {
            p.invalid(key, info.raw(key).get());
        }
        return 0;
    }

    boolean has(String key) {
        return info.raw(key).isPresent();
    }

    private long value(String key, OptionalLong v, MissingKeys p) {
        if (v.isPresent()) {
            return v.getAsLong();
        }
        if (info.raw(key).isPresent()) {
            p.invalid(key, info.raw(key).get());
        }
        return NOT_FOUND;
    }
}
