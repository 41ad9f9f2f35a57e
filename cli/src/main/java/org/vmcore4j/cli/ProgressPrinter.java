package org.vmcore4j.cli;

import java.util.Locale;
import java.util.function.LongSupplier;

import org.vmcore4j.collector.CollectorListener;

/**
 * Renders a collection's progress the way makedumpfile's print_progress does: a label padded to 50
 * columns, the percentage in tenths, a spinner and a short ETA, redrawn in place with {@code \r} at
 * most once a second, and a final 100 % line. Warnings become common messages.
 */
final class ProgressPrinter implements CollectorListener {
    static final String COPYING = "Copying data";
    private static final String SPINNER = "/|\\-";

    private final MessageOutput messages;
    private final LongSupplier clock;
    private final long startNanos;
    private long lastSecond = Long.MIN_VALUE;
    private int lapse;
    private boolean drawn;
    private boolean complete;
    private boolean vmemmapReported;

    ProgressPrinter(MessageOutput messages) {
        this(messages, System::nanoTime);
    }

    ProgressPrinter(MessageOutput messages, LongSupplier nanoClock) {
        this.messages = messages;
        this.clock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    @Override
    public void copyProgress(long done, long total) {
        long now = clock.getAsLong();
        if (complete) {
            return;
        }
        if (done >= total) {
            complete = true;
        } else {
            long second = now / 1_000_000_000L;
            if (second == lastSecond) {
                return;
            }
            lastSecond = second;
        }
        messages.progress("\r" + line(COPYING, done, total, now - startNanos, lapse++));
        drawn = true;
    }

    /** Ends the progress line (makedumpfile prints a newline after the 100 % line). */
    void finish(long done, long total) {
        copyProgress(Math.max(done, total), total);
        if (drawn) {
            messages.progress("\n");
        }
    }

    /**
     * makedumpfile's progress line for {@code -e}. The kdump writer scans twice (counting, then
     * writing) and hears it each time: printed once, as makedumpfile prints it.
     */
    @Override
    public void unusedVmemmapExcluded(long pages) {
        if (!vmemmapReported) {
            vmemmapReported = true;
            messages.progress("\nExcluded " + pages + " unused vmemmap pages\n");
        }
    }

    @Override
    public void warning(String message) {
        messages.common((drawn ? "\n" : "") + "WARNING: " + message + "\n");
    }

    /** One progress line: label, {@code [ 42.0 %]}, spinner, ETA right-aligned in 16 columns. */
    static String line(String label, long done, long total, long elapsedNanos, int lapse) {
        long promille = total <= 0 || done >= total ? 1000 : done * 1000 / total;
        String eta = " ";
        if (promille != 0) {
            long elapsedMillis = elapsedNanos / 1_000_000;
            long seconds = Math.max(0, elapsedMillis / promille - elapsedNanos / 1_000_000_000L);
            eta = eta(seconds);
        }
        return String.format(Locale.ROOT, "%-50s: [%3d.%d %%] %c  %16s", label, promille / 10, promille % 10,
                SPINNER.charAt(lapse & 3), eta);
    }

    /** makedumpfile's eta_to_human_short. */
    static String eta(long secs) {
        long minutes = secs / 60;
        long hours = minutes / 60;
        long days = hours / 24;
        if (secs < 100) {
            return "eta: " + secs + "s";
        } else if (minutes < 100) {
            return "eta: " + minutes + "m" + secs % 60 + "s";
        } else if (hours < 48) {
            return "eta: " + hours + "h" + minutes % 60 + "m";
        } else if (days < 100) {
            return "eta: " + days + "d" + hours % 24 + "h";
        }
        return "eta: >100day";
    }
}
