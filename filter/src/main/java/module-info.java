/**
 * Page classification from VMCOREINFO alone, equal to makedumpfile 1.7.9's at every dump level:
 * {@link org.vmcore4j.filter.PageFilter} scans a dump of any format in bounded-memory cycles into
 * the bitmaps a writer follows, and classifies single frames.
 */
module org.vmcore4j.filter {
    requires transitive org.vmcore4j.core;

    exports org.vmcore4j.filter;
}
