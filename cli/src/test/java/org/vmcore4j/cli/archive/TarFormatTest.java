package org.vmcore4j.cli.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.ElfCoreBuilder;

/** The tar format (core) opens the dump member of an archive in place and refuses damaged archives. */
class TarFormatTest {
    static final byte[] CORE = ElfCoreBuilder.elf64(ByteOrder.LITTLE_ENDIAN).prStatusX86_64(7, new long[27])
            .vmcoreInfo("OSRELEASE=6.1.0-test\nPAGESIZE=4096\n")
            .load(0x100000, 0xffff888000100000L, filled(3 * 4096)).build().bytes();

    static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0x42);
        return b;
    }

    static byte[] archive(byte[] dump) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter tar = new TarWriter(out, 0)) {
            tar.add("metadata.txt", "kernel_release=6.1.0-test\n".getBytes(StandardCharsets.US_ASCII));
            tar.add("vmcore", dump);
        }
        return out.toByteArray();
    }

    @Test
    void opensTheDumpMemberInPlace() throws Exception {
        try (Vmcore dump = Vmcore.open(new ByteArraySource(archive(CORE), "a.tar"))) {
            assertEquals("elf", dump.formatName());
            assertEquals("6.1.0-test", dump.vmcoreInfo().orElseThrow().osRelease().orElseThrow());
            assertEquals(7, dump.cpus().get(0).pid());
            byte[] page = new byte[4096];
            dump.physicalMemory().read(0x101000, page, 0, page.length);
            assertArrayEquals(filled(4096), page);
            assertTrue(dump.description().contains("member vmcore"), dump.description());
        }
    }

    @Test
    void refusesAnArchiveWithoutDumpOrWithDamagedHeaders() throws Exception {
        byte[] noDump = archive("not a dump".getBytes(StandardCharsets.US_ASCII));
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class,
                () -> Vmcore.open(new ByteArraySource(noDump, "n.tar")));
        assertTrue(e.getMessage().contains("no crash dump"), e.getMessage());

        byte[] badSum = archive(CORE);
        badSum[512 + 512 + 10] ^= 1; // the second header's name (after metadata's header and one data block)
        e = assertThrows(VmcoreFormatException.class, () -> Vmcore.open(new ByteArraySource(badSum, "s.tar")));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());

        byte[] cut = Arrays.copyOf(archive(CORE), 512 * 3 + 100);
        e = assertThrows(VmcoreFormatException.class, () -> Vmcore.open(new ByteArraySource(cut, "c.tar")));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
    }
}
