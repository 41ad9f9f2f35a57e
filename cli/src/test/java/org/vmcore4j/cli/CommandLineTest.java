package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownOptionFailsWithStatusOneAsMakedumpfileDoes() {
        Run r = run("--no-such-option", "a", "b");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertTrue(r.err().contains("--help"), r.err());
    }

    @Test
    void dumpDmesgNeedsTwoFiles() {
        Run r = run("--dump-dmesg", "only-one");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("Commandline parameter is invalid"), r.err());
        assertTrue(r.out().contains("vmcore4j Failed."), r.out());
    }

    @Test
    void existingOutputIsRefusedWithoutForce(@TempDir Path dir) throws Exception {
        Path out = Files.writeString(dir.resolve("log"), "keep me");
        Run r = run("--dump-dmesg", dir.resolve("missing-vmcore").toString(), out.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("File exists"), r.err());
        assertEquals("keep me", Files.readString(out));
    }

    @Test
    void missingInputFailsCleanly(@TempDir Path dir) {
        Run r = run("--dump-dmesg", dir.resolve("missing-vmcore").toString(), dir.resolve("log").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("missing-vmcore"), r.err());
        assertTrue(r.out().contains("vmcore4j Failed."), r.out());
    }

    @Test
    void messageLevelZeroSilencesEverything(@TempDir Path dir) {
        Run r = run("--message-level", "0", "--dump-dmesg", dir.resolve("missing").toString(), dir.resolve("log").toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertEquals("", r.err());
    }

    @Test
    void infoOnAFileThatIsNoDumpNamesTheFile(@TempDir Path dir) throws Exception {
        Path junk = Files.write(dir.resolve("junk.bin"), new byte[4096]);
        Run r = run("info", junk.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("junk.bin") && r.err().contains("not a crash dump"), r.err());
    }

    @Test
    void versionAndHelpSucceed() {
        Run v = run("-v");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("vmcore4j: version"), v.out());
        Run h = run("--help");
        assertEquals(0, h.status());
        assertTrue(h.out().contains("--dump-dmesg") && h.out().contains("info"), h.out());
    }

    @Test
    void excludingUnusedVmemmapNeedsAWorkDirAsInMakedumpfile() {
        Run r = run("-e", "-d", "31", "vmcore", "dumpfile");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("-e requires --work-dir"), r.err());
        assertTrue(r.err().contains("Commandline parameter is invalid"), r.err());
        assertTrue(r.out().contains("vmcore4j Failed."), r.out());
    }

    @Test
    void memUsageReadsOnlyElfDumps(@TempDir Path dir) throws Exception {
        Path kdump = dir.resolve("vmcore.kdump");
        try (var in = CommandLineTest.class.getResourceAsStream("fuzz-fixtures/vmcore.kdump")) {
            Files.write(kdump, in.readAllBytes());
        }
        Run r = run("--mem-usage", kdump.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("not an ELF dump"), r.err());
        assertTrue(r.out().contains("vmcore4j Failed."), r.out());
        assertTrue(run("--help").out().contains("--mem-usage VMCORE"));
    }

    @Test
    void memUsageTableLayout() {
        String t = MemoryUsageTable.render(new org.vmcore4j.filter.MemoryUsage(4096, 209830, 6224, 29027, 14615,
                57391, 69040, 0, 0));
        assertEquals("\nTYPE\t\tPAGES\t\t\tEXCLUDABLE\tDESCRIPTION\n"
                + "----------------------------------------------------------------------\n"
                + "ZERO\t\t6224            \tyes\t\tPages filled with zero\n"
                + "NON_PRI_CACHE\t29027           \tyes\t\tCache pages without private flag\n"
                + "PRI_CACHE\t14615           \tyes\t\tCache pages with private flag\n"
                + "USER\t\t57391           \tyes\t\tUser process pages\n"
                + "FREE\t\t69040           \tyes\t\tFree pages\n"
                + "KERN_DATA\t33533           \tno\t\tDumpable kernel data \n"
                + "\n"
                + "page size:\t\t4096            \n"
                + "Total pages on system:\t209830          \n"
                + "Total size on system:\t859463680        Byte\n", t);
    }

    @Test
    void jsonEscapesAndKeepsOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "quote\" back\\ nl\n ctl\u0001");
        m.put("a", List.of(1, true));
        m.put("z", null);
        m.put("e", Map.of());
        assertEquals("{\n  \"b\": \"quote\\\" back\\\\ nl\\n ctl\\u0001\",\n  \"a\": [\n    1,\n    true\n  ],\n"
                + "  \"z\": null,\n  \"e\": {}\n}\n", Json.write(m));
    }
}
