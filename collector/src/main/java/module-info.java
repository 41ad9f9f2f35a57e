/**
 * The collector: writes a dump filtered at a makedumpfile dump level as a kdump-compressed file
 * ({@link org.vmcore4j.collector.KdumpCollector}, also a split set) or an ELF core
 * ({@link org.vmcore4j.collector.ElfCollector}), reporting progress to a
 * {@link org.vmcore4j.collector.CollectorListener}.
 */
module org.vmcore4j.collector {
    // its API takes and returns these modules' types (Vmcore, DumpSink, PageFilter, FilterReport, Compression)
    requires transitive org.vmcore4j.core;
    requires transitive org.vmcore4j.filter;
    requires transitive org.vmcore4j.kdump;
    // the ELF writer; an ELF input is opened through core's service lookup
    requires org.vmcore4j.elf;

    exports org.vmcore4j.collector;
}
