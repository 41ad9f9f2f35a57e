/**
 * makedumpfile's kdump-compressed format: the reader (one file, a split set, a flattened stream),
 * found by {@link org.vmcore4j.core.Vmcore#open} through the {@link org.vmcore4j.core.VmcoreFormat}s
 * it provides, the writer, and the rebuilding of flattened streams and split sets.
 *
 * <p>LZO ({@code makedumpfile -l}, the compression kdump-utils uses) is decoded by aircompressor,
 * which this module requires, with {@code jdk.unsupported} for the {@code sun.misc.Unsafe} it reads
 * memory with. The other codecs' libraries are {@code requires static}: each is loaded only when a
 * dump uses that compression, so an application that never meets such a dump may leave its jar out.
 * On the module path a jar that is there is resolved only if something needs it: snappy-java and
 * lz4-java are automatic modules, resolved with aircompressor (every automatic module on the path
 * is, once one is); zstd-jni is an explicit module, so add {@code --add-modules
 * com.github.luben.zstd_jni} to read {@code -z} dumps. A page whose library is missing fails to read
 * with an {@link java.io.IOException} that names it. zlib ({@code -c}) needs nothing.
 *
 * <p>LZO pages are encoded by liblzo2's {@code lzo1x_1_compress}, what makedumpfile calls, on Java 22
 * and later when {@code liblzo2.so.2} loads and native access is enabled for this module
 * ({@code --enable-native-access=org.vmcore4j.kdump}; on the class path {@code ALL-UNNAMED}); else
 * by a pure-Java encoder that writes the same bytes.
 */
module org.vmcore4j.kdump {
    requires transitive org.vmcore4j.core;
    requires aircompressor;
    requires jdk.unsupported;
    requires static snappy.java;
    requires static com.github.luben.zstd_jni;
    requires static org.lz4.java;

    exports org.vmcore4j.kdump;
    exports org.vmcore4j.kdump.codec;
    // the page compressors the collector's workers run, and which LZO encoder runs (the CLI's -v)
    exports org.vmcore4j.kdump.internal.codec to org.vmcore4j.collector, org.vmcore4j.cli;

    provides org.vmcore4j.core.VmcoreFormat with org.vmcore4j.kdump.KdumpFormat,
            org.vmcore4j.kdump.internal.FlattenedFormat;
}
