/** The programs of vmcore4j's README, built on the module path against the published artifacts. */
module org.vmcore4j.examples {
    requires org.vmcore4j.core;
    requires org.vmcore4j.filter;
    // the collector brings the kdump writer and, at run time, the ELF and kdump readers the dump is opened with
    requires org.vmcore4j.collector;
}
