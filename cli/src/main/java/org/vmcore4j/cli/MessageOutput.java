package org.vmcore4j.cli;

import java.io.PrintStream;

/**
 * Renders messages the way makedumpfile's {@code --message-level} bitmask shapes them: 1 progress
 * (stderr), 2 common messages, 4 errors (stderr), 8 debug, 16 report. Common, debug and report
 * messages go to stdout unless stdout carries the dump itself ({@code -F}), then to stderr.
 */
final class MessageOutput {
    static final int PROGRESS = 1;
    static final int COMMON = 2;
    static final int ERROR = 4;
    static final int DEBUG = 8;
    static final int REPORT = 16;
    static final int DEFAULT_LEVEL = PROGRESS | COMMON | ERROR;

    private final int level;
    private final PrintStream out;
    private final PrintStream err;

    MessageOutput(int level, PrintStream out, PrintStream err) {
        this.level = level;
        this.out = out;
        this.err = err;
    }

    /** Progress lines, always on stderr (makedumpfile's PROGRESS_MSG). */
    void progress(String text) {
        if ((level & PROGRESS) != 0) {
            err.print(text);
            err.flush();
        }
    }

    boolean shows(int bits) {
        return (level & bits) != 0;
    }

    void common(String text) {
        if ((level & COMMON) != 0) {
            out.print(text);
            out.flush();
        }
    }

    void error(String text) {
        if ((level & ERROR) != 0) {
            err.print(text);
            err.flush();
        }
    }

    void report(String text) {
        if ((level & REPORT) != 0) {
            out.print(text);
            out.flush();
        }
    }

    void debug(String text) {
        if ((level & DEBUG) != 0) {
            out.print(text);
            out.flush();
        }
    }

    /** The last line of a run, as makedumpfile's; returns {@code status}. */
    int finish(int status) {
        common(status == Main.COMPLETED ? "\nvmcore4j Completed.\n" : "\nvmcore4j Failed.\n");
        return status;
    }
}
