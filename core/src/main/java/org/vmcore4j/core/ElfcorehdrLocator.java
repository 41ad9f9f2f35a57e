package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Finds a kexec capture's elfcorehdr in a whole-machine image, from the image alone.
 *
 * <p>crash and makedumpfile's sadump path reach it through the crashed kernel's
 * {@code kexec_crash_image} ({@code struct kimage}'s segments), which needs vmlinux: Linux's VMCOREINFO
 * names neither that symbol nor {@code struct kimage}'s layout. So the image is scanned instead: every
 * page that holds RAM, from the top down (kexec-tools and the kernel's kexec_file_load both place the
 * header at the top of the crash kernel's reservation, which Linux reserves high), for an ELF64 core
 * header that {@link Elfcorehdr#parse} accepts. Its rules reject copies in the crashed kernel's own
 * memory (kexec-tools' buffer, the kernel's kexec_file copy): a genuine header lies in no PT_LOAD of
 * its own. The first accepted header wins.
 */
final class ElfcorehdrLocator {
    /** A header found, or why none was: the last candidate refused, if any. */
    record Result(Elfcorehdr header, String refusal) {
    }

    private ElfcorehdrLocator() {
    }

    static Result locate(PhysicalMemory image, ByteOrder order, long lowMemoryEnd, String resource) throws IOException {
        int pageSize = image.pageSize();
        byte[] ehdr = new byte[Elfcorehdr.EHDR_SIZE];
        String refusal = null;
        List<PhysicalRange> ranges = image.ranges();
        for (int r = ranges.size() - 1; r >= 0; r--) {
            PhysicalRange range = ranges.get(r);
            long first = (range.start() + pageSize - 1) / pageSize;
            for (long pfn = range.end() / pageSize - 1; pfn >= first; pfn--) {
                if (image.status(pfn) != PageStatus.PRESENT) {
                    continue;
                }
                long address = pfn * pageSize;
                image.read(address, ehdr, 0, ehdr.length);
                if (!Elfcorehdr.looksLikeElf(ehdr)) {
                    continue;
                }
                int length = Elfcorehdr.headerLength(ehdr, order);
                if (length < 0) {
                    continue;
                }
                byte[] header = new byte[length];
                try {
                    image.read(address, header, 0, length);
                    return new Result(Elfcorehdr.parse(header, address, order, lowMemoryEnd, image, resource), null);
                } catch (VmcoreFormatException | MemoryAccessException refused) {
                    refusal = refused.getMessage();
                }
            }
        }
        return new Result(null, refusal);
    }
}
