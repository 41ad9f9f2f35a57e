package org.vmcore4j.kdump;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;

/**
 * The reference side of the corpus tests: the ELF vmcore's pages read through the ELF reader
 * ({@link Vmcore#open}), and its PT_LOAD extents parsed here directly (ELF64 little endian, as the
 * corpus dumps are), which is where makedumpfile takes its memory bitmap from. A page counts only
 * if one PT_LOAD holds all of it in its file image.
 */
final class ElfPages implements Closeable {
    private record Load(long paddr, long fileOffset, long fileSize) {
    }

    private final RandomAccessSource src;
    private final List<Load> loads = new ArrayList<>();
    private final int pageSize;
    private final Vmcore elf;

    ElfPages(Path vmcore, int pageSize) throws IOException {
        this.elf = Vmcore.open(vmcore);
        if (!elf.formatName().equals("elf") || elf.physicalMemory().pageSize() != pageSize) {
            throw new IOException(vmcore + " did not open as an ELF vmcore of " + pageSize + "-byte pages");
        }
        this.src = RandomAccessSource.open(vmcore);
        this.pageSize = pageSize;
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        if (src.readInt(0, ByteOrder.BIG_ENDIAN) != 0x7f454c46 || src.readByte(4) != 2 || src.readByte(5) != 1) {
            throw new IOException(vmcore + " is not an ELF64 little-endian core");
        }
        long phoff = src.readLong(32, le);
        int phentsize = src.readShort(54, le) & 0xffff;
        int phnum = src.readShort(56, le) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            if (src.readInt(ph, le) == 1) { // PT_LOAD
                loads.add(new Load(src.readLong(ph + 24, le), src.readLong(ph + 8, le), src.readLong(ph + 32, le)));
            }
        }
    }

    /** File offset of page {@code pfn}, or -1 if no PT_LOAD holds the whole page. */
    long offsetOf(long pfn) {
        long paddr = pfn * pageSize;
        for (Load l : loads) {
            if (paddr >= l.paddr && paddr + pageSize <= l.paddr + l.fileSize) {
                return l.fileOffset + (paddr - l.paddr);
            }
        }
        return -1;
    }

    /** Whether makedumpfile's memory bitmap should have {@code pfn}: the PFN range of some PT_LOAD. */
    boolean coveredByLoad(long pfn) {
        for (Load l : loads) {
            long first = l.paddr / pageSize;
            long end = (l.paddr + l.fileSize) / pageSize;
            if (pfn >= first && pfn < end) {
                return true;
            }
        }
        return false;
    }

    /** Reads page {@code pfn} into {@code dst}; false if the vmcore does not hold it. */
    boolean read(long pfn, byte[] dst) throws IOException {
        if (offsetOf(pfn) < 0) {
            return false;
        }
        elf.physicalMemory().readPage(pfn, dst, 0);
        return true;
    }

    @Override
    public void close() throws IOException {
        try (elf) {
            src.close();
        }
    }
}
