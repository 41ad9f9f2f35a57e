package org.vmcore4j.core.synthetic;

import java.nio.charset.StandardCharsets;

/** One message as printk stores it: timestamp, syslog level and facility, caller id (bit 31 = CPU), record flags, text. */
public record Msg(long tsNanos, int level, int facility, int caller, int flags, byte[] text) {

    public static Msg of(long tsNanos, String text) {
        return new Msg(tsNanos, 6, 0, 1, 2, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Msg of(long tsNanos, int caller, byte[] text) {
        return new Msg(tsNanos, 6, 0, caller, 2, text);
    }

    public String string() {
        return new String(text, StandardCharsets.UTF_8);
    }
}
