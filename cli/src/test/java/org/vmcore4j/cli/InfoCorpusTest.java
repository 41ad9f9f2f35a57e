package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresLibkdumpfile;

/** {@code vmcore4j info} on every corpus dump agrees with libkdumpfile reading the same file. */
@RequiresCorpus
@RequiresLibkdumpfile
class InfoCorpusTest {

    static List<Corpus.Dump> dumps() {
        return Corpus.x86_64Dumps();
    }

    /** OSRELEASE, CRASHTIME, max_pfn, CPU count and each CPU's pid, rip and rsp, as libkdumpfile reads them. */
    private static List<String> oracle(Corpus.Dump dump) throws IOException, InterruptedException {
        String script = String.join("\n",
                "import sys, kdumpfile",
                "a = kdumpfile.kdumpfile(sys.argv[1]).attr",
                "print(a['linux.vmcoreinfo.lines.OSRELEASE'])",
                "print(a['linux.vmcoreinfo.lines.CRASHTIME'])",
                "print(a['max_pfn'])",
                "n = a['cpu.number']",
                "print(n)",
                "for i in range(n):",
                "    r = a['cpu.%d.reg' % i]",
                "    print(a['cpu.%d.pid' % i], '0x%x' % r['rip'], '0x%x' % r['rsp'])");
        Process p = new ProcessBuilder(Corpus.systemPython(), "-c", script, dump.vmcore().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "libkdumpfile timed out");
        assertEquals(0, p.exitValue(), "libkdumpfile oracle failed: " + out);
        return out.lines().toList();
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void jsonMatchesLibkdumpfile(Corpus.Dump dump) throws Exception {
        List<String> expected = oracle(dump);
        CommandLineTest.Run r = CommandLineTest.run("info", "--json", dump.vmcore().toString());
        assertEquals(0, r.status(), r.err());
        String json = r.out();
        assertEquals(expected.get(0), string(json, "osRelease"));
        assertEquals(expected.get(1), number(json, "crashTime"));
        assertEquals(expected.get(2), number(json, "endPfn"));
        // the release read through the kernel's own page tables from init_uts_ns
        assertEquals(expected.get(0), string(json, "release"));
        assertEquals("Linux", string(json, "sysname"));
        int cpus = Integer.parseInt(expected.get(3));
        List<String> pids = all(json, "\"pid\": (\\d+)");
        List<String> rips = all(json, "\"rip\": \"(0x[0-9a-f]+)\"");
        List<String> rsps = all(json, "\"rsp\": \"(0x[0-9a-f]+)\"");
        assertEquals(cpus, pids.size());
        for (int i = 0; i < cpus; i++) {
            assertEquals(expected.get(4 + i), pids.get(i) + " " + rips.get(i) + " " + rsps.get(i), "cpu " + i);
        }
        // "problems" is a JSON array (empty when every part of the dump read cleanly): find it, then
        // require it empty, so a dump with problems fails here with them in the message
        Matcher problems = Pattern.compile("\n  \"problems\": \\[([^\\]]*)\\]").matcher(json);
        assertTrue(problems.find(), "no top-level \"problems\" array in: " + json);
        assertEquals("", problems.group(1).strip(), dump.name() + ": info --json reports problems");
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void textNamesReleaseCpusAndMemory(Corpus.Dump dump) throws Exception {
        CommandLineTest.Run r = CommandLineTest.run("info", dump.vmcore().toString());
        assertEquals(0, r.status(), r.err());
        String release = oracle(dump).get(0);
        assertTrue(r.out().contains("release:    " + release), r.out());
        assertTrue(r.out().contains("cpu 0  pid"), r.out());
        assertTrue(r.out().contains("OSRELEASE=" + release), r.out());
        assertTrue(!r.out().contains("problem:"), r.out());
    }

    private static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private static String number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (-?\\d+)").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private static List<String> all(String json, String regex) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(json);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
