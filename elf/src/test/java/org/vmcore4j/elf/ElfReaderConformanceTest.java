package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfFormat;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.conformance.VmcoreReaderConformance;
import org.vmcore4j.testdata.ElfCoreBuilder;

/**
 * The ELF vmcore reader: an x86_64 ELF64 core as /proc/vmcore presents one (built with
 * {@link ElfCoreBuilder}, not with our writer): VMCOREINFO, two NT_PRSTATUS notes, and two PT_LOADs
 * of RAM, frames 0-31 and 40-103, with a hole between them.
 */
class ElfReaderConformanceTest extends VmcoreReaderConformance {
    private static final int PAGE = 4096;
    private static final long DIRECT_MAP = 0xffff888000000000L;

    @Override
    protected Fixture write(Path dir) throws IOException {
        int endPfn = 104;
        PageStatus[] statuses = new PageStatus[endPfn];
        byte[][] pages = new byte[endPfn][];
        Arrays.fill(statuses, PageStatus.NOT_RAM);
        Random r = new Random(4711);
        ElfCoreBuilder b = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN)
                .vmcoreInfo("OSRELEASE=6.1.0-conformance\nPAGESIZE=4096\nCRASHTIME=1700000000\n")
                .prStatusX86_64(1, new long[27]).prStatusX86_64(2, new long[27]);
        for (int[] load : new int[][] {{0, 32}, {40, 104}}) {
            byte[] data = new byte[(load[1] - load[0]) * PAGE];
            for (int pfn = load[0]; pfn < load[1]; pfn++) {
                byte[] page = new byte[PAGE];
                if (pfn % 5 != 0) { // some zero pages, as RAM has
                    r.nextBytes(page);
                }
                pages[pfn] = page;
                statuses[pfn] = PageStatus.PRESENT;
                System.arraycopy(page, 0, data, (pfn - load[0]) * PAGE, PAGE);
            }
            b.load((long) load[0] * PAGE, DIRECT_MAP + (long) load[0] * PAGE, data);
        }
        Path file = Files.write(dir.resolve("vmcore"), b.build().bytes());
        return new Fixture(List.of(file), ElfFormat.NAME, PAGE, statuses, pages, 2, Optional.of("6.1.0-conformance"));
    }
}
