package org.vmcore4j.core;

import java.io.IOException;
import java.util.List;

/**
 * A dump file format that {@link Vmcore#open} can detect: a service provider, found with
 * {@link java.util.ServiceLoader}. Implementations live in the format modules (ELF, kdump).
 */
public interface VmcoreFormat {

    /** {@return short name: {@code "elf"}, {@code "kdump"}, {@code "flattened"}} */
    String name();

    /**
     * Whether {@code source} starts like a file of this format. Cheap: reads a few header bytes.
     *
     * @param source the bytes to read
     * @return whether {@code source} starts like a file of this format
     * @throws IOException if reading or writing fails
     */
    boolean probe(RandomAccessSource source) throws IOException;

    /**
     * Opens {@code source}; on success the returned dump owns the source and closes it. The
     * architecture in {@code options} is the reader's to use where the dump does not name one; the
     * caller applies the rest.
     *
     * @param source the bytes to read
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException;

    /**
     * Opens the parts of one dump (a split set, in any order); on success the dump owns them. The
     * default takes one part and refuses several.
     *
     * @param parts the parts of one dump
     * @param options what the caller says about the dump before it is opened
     * @return the opened dump
     * @throws IOException if reading or writing fails
     */
    default Vmcore openParts(List<RandomAccessSource> parts, OpenOptions options) throws IOException {
        if (parts.size() == 1) {
            return open(parts.get(0), options);
        }
        throw new UnsupportedDumpException(parts.get(0).description(), UnsupportedDumpException.Kind.FORMAT_FEATURE,
                "a " + name() + " dump is one file, but " + parts.size() + " were given");
    }
}
