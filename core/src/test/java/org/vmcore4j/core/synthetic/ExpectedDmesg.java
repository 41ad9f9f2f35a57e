package org.vmcore4j.core.synthetic;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The {@code makedumpfile --dump-dmesg} rendering of messages, written from makedumpfile 1.7.9's
 * format strings ({@code "[%5lld.%06ld] "}, {@code "[%*s] "} with width 8, {@code "\\x%02x"} of a
 * signed char, {@code "\n%-*s"} for embedded newlines): the oracle the synthetic tests compare to.
 */
public final class ExpectedDmesg {
    private ExpectedDmesg() {
    }

    public static byte[] render(List<Msg> msgs, boolean callers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Msg m : msgs) {
            String prefix = String.format(Locale.ROOT, "[%5d.%06d] ", Long.divideUnsigned(m.tsNanos(), 1_000_000_000L),
                    Long.remainderUnsigned(m.tsNanos(), 1_000_000_000L) / 1000);
            if (callers) {
                int c = m.caller();
                String id = ((c & 0x80000000) != 0 ? "C" : "T") + Integer.toUnsignedString(c & 0x7fffffff);
                prefix += String.format(Locale.ROOT, "[%8s] ", id);
            }
            StringBuilder sb = new StringBuilder(prefix);
            for (byte b : m.text()) {
                if (b == '\n') {
                    sb.append('\n').append(" ".repeat(prefix.length()));
                } else if (b >= ' ' && b < 0x7f || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r') {
                    sb.append((char) b);
                } else {
                    sb.append(String.format(Locale.ROOT, "\\x%02x", (int) b)); // the sign extension is the point
                }
            }
            sb.append('\n');
            out.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    public static String renderString(List<Msg> msgs, boolean callers) {
        return new String(render(msgs, callers), StandardCharsets.ISO_8859_1);
    }
}
