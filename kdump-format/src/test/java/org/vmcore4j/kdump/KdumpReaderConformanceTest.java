package org.vmcore4j.kdump;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.conformance.VmcoreReaderConformance;
import org.vmcore4j.kdump.codec.Compression;

/**
 * The kdump-compressed reader, on a file built from the layout by {@link SyntheticKdump} (header
 * version 6, x86_64, 4 KiB pages, zlib; frames that are not RAM, RAM left out, and zero, random and
 * repetitive pages), as makedumpfile writes it. The flattened and split-set readers are subclasses.
 */
class KdumpReaderConformanceTest extends VmcoreReaderConformance {
    static final int FRAMES = 200;

    static SyntheticKdump machine() {
        return new SyntheticKdump(HeaderLayout.LP64, ByteOrder.LITTLE_ENDIAN, 6, 4096, FRAMES, Compression.ZLIB, 20251205);
    }

    /** What {@code s} must read as, in whatever files it was written to. */
    static Fixture fixture(SyntheticKdump s, List<Path> files, String formatName) {
        PageStatus[] statuses = new PageStatus[(int) s.maxMapnr];
        for (int p = 0; p < s.maxMapnr; p++) {
            statuses[p] = !s.ram[p] ? PageStatus.NOT_RAM : !s.dumpable[p] ? PageStatus.EXCLUDED : PageStatus.PRESENT;
        }
        return new Fixture(files, formatName, s.blockSize, statuses, s.pages, s.cpus, Optional.of("6.1.0-synthetic"));
    }

    @Override
    protected Fixture write(Path dir) throws IOException {
        SyntheticKdump s = machine();
        Path file = Files.write(dir.resolve("dump.kdump"), s.build());
        return fixture(s, List.of(file), KdumpFormat.NAME);
    }
}
