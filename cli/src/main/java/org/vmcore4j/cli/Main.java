package org.vmcore4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import picocli.CommandLine;

/**
 * Entry point of the executable jar: {@code vmcore4j [options] VMCORE DUMPFILE} with makedumpfile's
 * options, and the commands {@code info}, {@code read}, {@code dmesg} and {@code triage}. Exit status
 * as makedumpfile's: 0 success, 1 failure (bad usage included); {@code read} adds its own
 * ({@link ReadFailure}).
 */
public final class Main {
    static final int COMPLETED = 0;
    static final int FAILED = 1;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.in);
    }

    /** Runs the command line with the given streams ({@code in} feeds {@code -R}); returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err, java.io.InputStream in) {
        // No option takes a java.sql or java.time value: without this, picocli loads both packages (and
        // the java.sql module) at every start to register converters for them.
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java.sql.*,java.time.*");
        }
        CommandLine cl = new CommandLine(new CollectorCommand(out, err, in));
        if (!isCollection(args)) {
            cl.addSubcommand("info", new InfoCommand(in));
            cl.addSubcommand("read", new ReadCommand(out, err, in));
            cl.addSubcommand("dmesg", new DmesgCommand(out, err, in));
            cl.addSubcommand("triage", new TriageCommand(err, in));
        }
        cl.setOut(new PrintWriter(new PrintStreamWriter(out), true));
        cl.setErr(new PrintWriter(new PrintStreamWriter(err), true));
        cl.setExitCodeExceptionMapper(e -> FAILED);
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("vmcore4j: " + e.getMessage());
            err.println("Try `vmcore4j --help' for more information.");
            return FAILED;
        });
        cl.setExecutionExceptionHandler((e, c, p) -> {
            err.println("vmcore4j: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return FAILED;
        });
        return cl.execute(args);
    }

    /**
     * Whether {@code args} can only be the collector's own command line: no argument names a command
     * or asks for help. picocli then needs no model of the commands, whose annotations it would
     * otherwise read at every start (0.15 s on one CPU, where a kdump capture runs).
     */
    static boolean isCollection(String[] args) {
        for (String a : args) {
            switch (a) {
                case "info", "read", "dmesg", "triage", "help", "-h", "--help" -> {
                    return false;
                }
                default -> {
                }
            }
        }
        return true;
    }

    /**
     * Hands picocli's text to the stream as characters, so the stream encodes them with its own charset,
     * as it does the commands' messages (a PrintWriter over the stream's bytes would use the default one).
     */
    private static final class PrintStreamWriter extends Writer {
        private final PrintStream stream;

        PrintStreamWriter(PrintStream stream) {
            this.stream = stream;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            stream.print(new String(chars, offset, length));
        }

        @Override
        public void flush() {
            stream.flush();
        }

        @Override
        public void close() {
            stream.flush();
        }
    }
}
