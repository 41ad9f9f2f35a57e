package org.vmcore4j.kdump;

import org.vmcore4j.core.Utsname;
import org.vmcore4j.kdump.codec.Compression;

/**
 * A kdump-compressed file's {@code disk_dump_header} (block 0), decoded; unsigned 32-bit fields are
 * widened to {@code long}. The values are as stored: a re-filtering writer copies them and changes
 * what it changes.
 *
 * @param signature        {@code "KDUMP   "} (makedumpfile), {@code "DISKDUMP"} (the old diskdump) or
 *                         {@code "KDUMPLZ4"} (vmcore4j's LZ4 extension)
 * @param headerVersion    6 from current makedumpfile; decides which sub-header fields exist
 * @param utsname          the crashed kernel's {@code init_uts_ns.name}, all empty where unknown
 * @param timestampSeconds {@code tv_sec}: makedumpfile stores VMCOREINFO's CRASHTIME (0 if absent)
 * @param status           OR of {@link #STATUS_INCOMPLETE}, {@link #STATUS_EXCLUDED_VMEMMAP} and
 *               one compression bit
 * @param blockSize        the crashed kernel's page size; every region below is counted in these blocks
 * @param subHeaderBlocks  blocks of sub-header plus ELF notes, starting at block 1
 * @param bitmapBlocks     blocks of both bitmaps together
 * @param maxMapnr         {@code max_mapnr}, truncated to 32 bits (the full value is in the v6 sub-header)
 * @param nrCpus           number of NT_PRSTATUS notes the writer saw
 */
public record DiskDumpHeader(
        String signature,
        int headerVersion,
        Utsname utsname,
        long timestampSeconds,
        long timestampMicros,
        int status,
        int blockSize,
        int subHeaderBlocks,
        long bitmapBlocks,
        long maxMapnr,
        long totalRamBlocks,
        long deviceBlocks,
        long writtenBlocks,
        long currentCpu,
        int nrCpus) {

    /** makedumpfile's signature. */
    public static final String KDUMP_SIGNATURE = "KDUMP   ";
    /**
     * vmcore4j's signature for files whose pages use its {@link Compression#LZ4} extension. crash,
     * libkdumpfile and makedumpfile recognise only {@code "KDUMP   "} and {@code "DISKDUMP"}, and all
     * three take a page with an unknown compression flag for a raw one (crash and makedumpfile then
     * misread it); so such a file must not carry their signature: with this one each of them refuses
     * it when opening it, and never reads a page wrong. Otherwise the layout is version 6.
     */
    public static final String LZ4_SIGNATURE = "KDUMPLZ4";
    /** The old diskdump facility's signature, read the same way. */
    public static final String DISKDUMP_SIGNATURE = "DISKDUMP";
    /** {@code DUMP_DH_COMPRESSED_INCOMPLETE}: the writer ran out of space; some pages are lost. */
    public static final int STATUS_INCOMPLETE = 0x8;
    /** {@code DUMP_DH_EXCLUDED_VMEMMAP}: {@code -e} left out unused vmemmap pages. */
    public static final int STATUS_EXCLUDED_VMEMMAP = 0x10;

    /**
     * Whether {@code signature} is one this reader takes: makedumpfile's, diskdump's or vmcore4j's LZ4 one.
     *
     * @param signature the signature
     * @return whether {@code signature} is one this reader takes: makedumpfile's, diskdump's or
     *         vmcore4j's LZ4 one
     */
    public static boolean isSignature(String signature) {
        return signature.equals(KDUMP_SIGNATURE) || signature.equals(DISKDUMP_SIGNATURE)
                || signature.equals(LZ4_SIGNATURE);
    }

    /** {@return whether {@link #STATUS_INCOMPLETE} is set} */
    public boolean incomplete() {
        return (status & STATUS_INCOMPLETE) != 0;
    }

    /**
     * The compression the header announces (informational: pages that did not shrink are stored raw,
     * and each page descriptor says how it is stored). {@link Compression#NONE} if no bit is set;
     * {@code null} if several are.
     *
     * @return the compression the header announces (informational: pages that did not shrink are
     *         stored raw, and each page descriptor says how it is stored)
     */
    public Compression compression() {
        return Compression.fromFlags(status);
    }
}
