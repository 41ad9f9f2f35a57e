package org.vmcore4j.kdump;

import java.nio.ByteOrder;
import java.util.Objects;
import org.vmcore4j.kdump.codec.Compression;

/**
 * What a {@link KdumpWriter} puts into the header and sub-header of the file it writes; the writer
 * derives the rest (block counts, offsets). An immutable value apart from its arrays, which it does
 * not copy: the caller must not change them while a writer uses them.
 *
 * @param layout            the ABI of the header structs: {@link HeaderLayout#LP64} for 64-bit kernels
 * @param byteOrder         the crashed kernel's byte order (every field and descriptor uses it)
 * @param blockSize         the kernel's page size, which is also the file's block size
 * @param utsname           the kernel's {@code struct new_utsname} as read from memory, 390 bytes
 *                          (makedumpfile copies it raw, padding included); zeros where unknown
 * @param timestampSeconds  {@code tv_sec}: makedumpfile stores VMCOREINFO's CRASHTIME, or 0
 * @param timestampMicros   {@code tv_usec}: 0 from makedumpfile
 * @param compression       the header's compression bit; pages still say per descriptor how they are stored
 * @param excludedVmemmap   {@code -e} was used ({@link DiskDumpHeader#STATUS_EXCLUDED_VMEMMAP})
 * @param maxMapnr          frames the bitmaps cover
 * @param nrCpus            number of NT_PRSTATUS notes
 * @param physBase          the sub-header's {@code phys_base}
 * @param dumpLevel         the {@code -d} level applied
 * @param split             for one file of a {@code --split} set, the PFN range it holds; else null
 * @param notes             the ELF note section to copy verbatim (may be empty)
 * @param vmcoreinfoOffset  offset of the VMCOREINFO note's descriptor within {@code notes}, or -1
 * @param vmcoreinfoSize    that descriptor's size
 */
public record KdumpOutputHeader(HeaderLayout layout, ByteOrder byteOrder, int blockSize, byte[] utsname,
        long timestampSeconds, long timestampMicros, Compression compression, boolean excludedVmemmap,
        long maxMapnr, int nrCpus, long physBase, int dumpLevel, PfnRange split, byte[] notes,
        long vmcoreinfoOffset, long vmcoreinfoSize) {
    private static final int UTSNAME_BYTES = 6 * HeaderLayout.UTS_FIELD_LENGTH;

    /**
     * Checks and copies the components.
     *
     * @param layout the ABI of the header structs: {@link HeaderLayout#LP64} for 64-bit kernels
     * @param byteOrder the crashed kernel's byte order (every field and descriptor uses it)
     * @param blockSize the kernel's page size, which is also the file's block size
     * @param utsname the kernel's {@code struct new_utsname} as read from memory, 390 bytes
     *                (makedumpfile copies it raw, padding included); zeros where unknown
     * @param timestampSeconds {@code tv_sec}: makedumpfile stores VMCOREINFO's CRASHTIME, or 0
     * @param timestampMicros {@code tv_usec}: 0 from makedumpfile
     * @param compression the header's compression bit; pages still say per descriptor how they are stored
     * @param excludedVmemmap {@code -e} was used ({@link DiskDumpHeader#STATUS_EXCLUDED_VMEMMAP})
     * @param maxMapnr frames the bitmaps cover
     * @param nrCpus number of NT_PRSTATUS notes
     * @param physBase the sub-header's {@code phys_base}
     * @param dumpLevel the {@code -d} level applied
     * @param split for one file of a {@code --split} set, the PFN range it holds; else null
     * @param notes the ELF note section to copy verbatim (may be empty)
     * @param vmcoreinfoOffset offset of the VMCOREINFO note's descriptor within {@code notes}, or -1
     * @param vmcoreinfoSize that descriptor's size
     */
    public KdumpOutputHeader {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(byteOrder, "byteOrder");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(notes, "notes");
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two >= 512: " + blockSize);
        }
        if (utsname.length != UTSNAME_BYTES) {
            throw new IllegalArgumentException("utsname must be " + UTSNAME_BYTES + " bytes, not " + utsname.length);
        }
        if (maxMapnr <= 0 || maxMapnr > KdumpFile.MAX_FRAMES) {
            throw new IllegalArgumentException("max_mapnr out of range: " + maxMapnr);
        }
        if (vmcoreinfoOffset >= 0 && vmcoreinfoOffset + vmcoreinfoSize > notes.length) {
            throw new IllegalArgumentException("VMCOREINFO lies outside the notes");
        }
    }
}
