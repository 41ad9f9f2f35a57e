package org.vmcore4j.core;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Gathers the SYMBOL/SIZE/OFFSET values a printk reader needs from VMCOREINFO, collecting every
 * missing or implausible key so that one {@link VmcoreFormatException} can name them all. Sizes and
 * offsets are bounded before they index anything: a structure larger than {@link #MAX_STRUCT} or a
 * member that does not fit its structure is reported, not used.
 */
final class PrintkLayout {
    /** No printk structure comes near this; larger values are damage. */
    static final long MAX_STRUCT = 4096;

    private final VmcoreInfo info;
    private final List<String> missing = new ArrayList<>();
    private final List<String> invalid = new ArrayList<>();

    PrintkLayout(VmcoreInfo info) {
        this.info = info;
    }

    long symbol(String name) {
        OptionalLong v = info.symbol(name);
        if (v.isEmpty()) {
            note("SYMBOL(" + name + ")");
            return 0;
        }
        return v.getAsLong();
    }

    long size(String type) {
        OptionalLong v = info.size(type);
        if (v.isEmpty()) {
            note("SIZE(" + type + ")");
            return 0;
        }
        if (v.getAsLong() <= 0 || v.getAsLong() > MAX_STRUCT) {
            invalid.add("SIZE(" + type + ")=" + v.getAsLong());
            return 0;
        }
        return v.getAsLong();
    }

    long offset(String member) {
        OptionalLong v = info.offset(member);
        if (v.isEmpty()) {
            note("OFFSET(" + member + ")");
            return 0;
        }
        if (v.getAsLong() < 0 || v.getAsLong() >= MAX_STRUCT) {
            invalid.add("OFFSET(" + member + ")=" + v.getAsLong());
            return 0;
        }
        return v.getAsLong();
    }

    /** An offset that may be absent (a config option); present but out of range is still an error. */
    OptionalLong optionalOffset(String member) {
        if (info.raw("OFFSET(" + member + ")").isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(offset(member));
    }

    /** Records a problem unless {@code offset + width <= structSize}: the member must lie inside its structure. */
    void fits(String what, long offset, int width, long structSize) {
        if (structSize > 0 && offset + width > structSize) {
            invalid.add(what + " at offset " + offset + " (+" + width + " bytes) beyond its structure of " + structSize + " bytes");
        }
    }

    private void note(String key) {
        if (info.raw(key).isPresent()) {
            invalid.add(key + "='" + info.raw(key).get() + "'");
        } else {
            missing.add(key);
        }
    }

    /** Throws naming every missing or invalid key seen so far. */
    void check(String purpose) throws VmcoreFormatException {
        if (missing.isEmpty() && invalid.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("VMCOREINFO cannot describe ").append(purpose).append(':');
        if (!missing.isEmpty()) {
            sb.append(" lacks ").append(String.join(", ", missing));
        }
        if (!invalid.isEmpty()) {
            sb.append(missing.isEmpty() ? " " : "; ").append("invalid ").append(String.join(", ", invalid));
        }
        throw new VmcoreFormatException(info.resource(), info.fileOffset(), sb.toString());
    }
}
