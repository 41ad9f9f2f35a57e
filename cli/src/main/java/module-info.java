/**
 * The vmcore4j command line ({@code org.vmcore4j.cli.Main}): makedumpfile's options, {@code info},
 * {@code dmesg}, {@code triage}. A program, not a library: it exports nothing.
 */
module org.vmcore4j.cli {
    requires org.vmcore4j.collector;
    requires info.picocli;

    // picocli reads and sets the annotated option fields of the command classes by reflection
    opens org.vmcore4j.cli to info.picocli;
}
