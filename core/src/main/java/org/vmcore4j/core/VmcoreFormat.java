package org.vmcore4j.core;

import java.io.IOException;

/**
 * A dump file format that {@link Vmcore#open} can detect: a service provider, found with
 * {@link java.util.ServiceLoader}. Implementations live in the format modules (ELF, kdump).
 */
public interface VmcoreFormat {

    /** Short name: {@code "elf"}, {@code "kdump"}, {@code "flattened"}. */
    String name();

    /** Whether {@code source} starts like a file of this format. Cheap: reads a few header bytes. */
    boolean probe(RandomAccessSource source) throws IOException;

    /** Opens {@code source}; on success the returned dump owns the source and closes it. */
    Vmcore open(RandomAccessSource source) throws IOException;
}
