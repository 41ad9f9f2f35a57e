/**
 * Page classification of Linux crash dumps from VMCOREINFO, equal to makedumpfile 1.7.9's at every
 * dump level, and cyclic (bounded-memory) scanning that produces the 1st and 2nd bitmaps a writer
 * needs. Entry point: {@link org.vmcore4j.filter.PageFilter}.
 */
package org.vmcore4j.filter;
