package org.vmcore4j.cli.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our ustar writer against GNU tar, the reader every user has. */
class TarWriterTest {

    @Test
    void gnuTarListsAndExtractsWhatWeWrote(@TempDir Path dir) throws Exception {
        byte[] empty = new byte[0];
        byte[] block = new byte[512];
        byte[] odd = new byte[70_001];
        new Random(7).nextBytes(odd);
        new Random(8).nextBytes(block);
        Path archive = dir.resolve("a.tar");
        try (TarWriter tar = new TarWriter(Files.newOutputStream(archive), 1_764_921_600L)) {
            tar.add("empty", empty);
            tar.add("block.bin", block);
            tar.add("odd.bin", odd);
        }
        assertEquals(0, Files.size(archive) % 512);
        ProcessBuilder lister = new ProcessBuilder("tar", "--full-time", "-tvf", archive.toString());
        lister.environment().put("TZ", "UTC"); // tar prints times in local time
        Process list = lister.start();
        String listing = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), listing);
        assertEquals(3, listing.lines().count(), listing);
        assertEquals(true, listing.contains("-rw-r--r-- 0/0           70001 2025-12-05 08:00:00 odd.bin"), listing);
        Path out = Files.createDirectories(dir.resolve("x"));
        Process x = new ProcessBuilder("tar", "-xf", archive.toString(), "-C", out.toString()).inheritIO().start();
        assertEquals(0, x.waitFor());
        assertArrayEquals(empty, Files.readAllBytes(out.resolve("empty")));
        assertArrayEquals(block, Files.readAllBytes(out.resolve("block.bin")));
        assertArrayEquals(odd, Files.readAllBytes(out.resolve("odd.bin")));
    }

    @Test
    void sameInputSameBytes() throws Exception {
        assertArrayEquals(write(), write());
    }

    @Test
    void refusesWhatUstarCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> TarWriter.header("x".repeat(101), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> TarWriter.header("", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> TarWriter.header("é", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> TarWriter.header("neg", -1, 0));
    }

    /** A member of 8 GiB or more: GNU tar reads the base-256 size (listed from a header alone). */
    @Test
    void hugeMemberSizeIsBase256(@TempDir Path dir) throws Exception {
        long size = (1L << 33) + 5;
        Path archive = dir.resolve("h.tar");
        Files.write(archive, TarWriter.header("huge", size, 0));
        Process list = new ProcessBuilder("tar", "-tvf", archive.toString()).redirectErrorStream(true).start();
        String listing = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor();
        assertEquals(true, listing.contains(" " + size + " "), listing);
    }

    private static byte[] write() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter tar = new TarWriter(out, 5)) {
            tar.add("a.txt", "hello\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }
}
