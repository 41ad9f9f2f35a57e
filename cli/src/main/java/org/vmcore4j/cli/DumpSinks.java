package org.vmcore4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.kdump.FlattenedSink;

/** Where a collected dump goes: standard output (flattened), nowhere (--dry-run), or the DUMPFILEs. */
final class DumpSinks {
    private DumpSinks() {
    }

    /**
     * Opens the sinks into {@code sinks} one by one, so that the caller closes those already open
     * when a later one fails. {@code limit}: the -L size of each file, Long.MAX_VALUE for none.
     */
    static void openInto(List<DumpSink> sinks, CollectorCommand options, Vmcore dump, List<Path> targets, long limit)
            throws IOException {
        if (options.flatten) {
            // written from a thread of its own, so that the pages go on while the pipe drains
            OutputStream stdout = new BackgroundOutputStream(new StandardOutput(options.out), 1 << 20, 2,
                    "vmcore4j-stdout");
            sinks.add(new FlattenedSink(stdout, "standard output", limit));
        } else if (options.dryRun) {
            for (Path t : targets) {
                sinks.add(DumpSink.discarding(t + " (dry run)"));
            }
        } else {
            for (Path t : targets) {
                DumpSink s = options.archive ? ArchiveOutput.open(dump, t, options.elf,
                        options.commandSpec.commandLine().getParseResult().originalArgs(), options.files)
                        : DumpSink.toFile(t);
                sinks.add(limit == Long.MAX_VALUE ? s : DumpSink.limitedTo(s, limit));
            }
        }
    }

    /** Closes every sink; the last failure, if any, is thrown once all are closed. */
    static void closeAll(List<DumpSink> sinks) throws IOException {
        IOException closing = null;
        for (DumpSink s : sinks) {
            try {
                s.close();
            } catch (IOException e) {
                closing = e;
            }
        }
        if (closing != null) {
            throw closing;
        }
    }


    /**
     * Standard output as the dump's stream: a {@link PrintStream} keeps its write errors to itself, so
     * each write asks for them and fails with an {@link IOException}, as makedumpfile stops when the
     * reader of its pipe (ssh) goes away. Closing it flushes, and leaves standard output open for the
     * final messages.
     */
    static final class StandardOutput extends OutputStream {
        private final PrintStream out;

        StandardOutput(PrintStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            check();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            check();
        }

        @Override
        public void flush() throws IOException {
            check(); // checkError flushes
        }

        @Override
        public void close() throws IOException {
            flush();
        }

        private void check() throws IOException {
            if (out.checkError()) {
                throw new IOException("standard output: write failed (its reader has gone away, or its file "
                        + "system is full)");
            }
        }
    }
}
