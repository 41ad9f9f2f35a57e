package org.vmcore4j.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * The free-list walk on real kernels. A copy of each corpus vmcore has the VMCOREINFO key
 * {@code OFFSET(page._mapcount)} renamed in place (same length), so neither makedumpfile 1.7.9 nor we
 * can recognise a free page from its struct page and both walk the buddy allocator's lists
 * ("Can't select page_is_buddy handler; follow free lists"). Bitmaps and report must be equal, in
 * one cycle and in 1 KiB cycles (where every cycle walks all lists and keeps its own part).
 */
@RequiresCorpus
@RequiresMakedumpfile
class FreeListWalkDifferentialTest {
    static final String KEY = "OFFSET(page._mapcount)=";
    static final String RENAMED = "OFFSET(page._mapcounX)=";

    @Test
    void freeListWalkEqualsMakedumpfile() throws Exception {
        Path mdf = Corpus.requireMakedumpfile();
        Path dir = Files.createDirectories(Path.of("target", "freelist"));
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            CorpusSupport.assumeTranslation(d);
            Path copy = dir.resolve(d.name() + "-no-mapcount.vmcore");
            try {
                renameKey(d.vmcore(), copy);
                try (Vmcore dump = Vmcore.open(copy)) {
                    assertTrue(dump.vmcoreInfo().orElseThrow().offset("page._mapcount").isEmpty());
                    for (String[] run : new String[][] {{"16"}, {"31"}, {"31", "--cyclic-buffer", "1"}, {"24"}}) {
                        int level = Integer.parseInt(run[0]);
                        // message level 31 adds the debug line that says which way free pages are found
                        List<String> args = new java.util.ArrayList<>(List.of("-F", "-d", run[0], "--message-level", "31"));
                        args.addAll(List.of(run).subList(1, run.length));
                        ReferenceRun ref = ReferenceRun.run(mdf, copy, args, dir.resolve("ref"));
                        assertTrue(ref.stderr().contains("follow free lists"), "makedumpfile should walk the lists");
                        PageFilter f = PageFilter.forLevel(level).withCycleBufferBytes(run.length > 1 ? 1024 : 0);
                        Ours ours = Ours.scan(f, dump);
                        String ctx = d.name() + " without OFFSET(page._mapcount) " + String.join(" ", args);
                        assertEquals(0, Ours.mismatches(ours.bitmap2(), ref.bitmap2()), "2nd bitmap, " + ctx);
                        assertEquals(ref.reportBlock(), ours.report().toMakedumpfileText().substring(1), ctx);
                        assertTrue(ours.report().freePages() > 0, ctx);
                        System.out.printf(Locale.ROOT, "%s: free pages from the free lists %d, equal to makedumpfile (%d ms)%n", ctx,
                                ours.report().freePages(), ours.millis());
                    }
                }
            } finally {
                Files.deleteIfExists(copy);
            }
        }
    }

    /** Copies {@code from} and renames the key inside its VMCOREINFO note. */
    static void renameKey(Path from, Path to) throws IOException {
        long textAt;
        int index;
        try (Vmcore dump = Vmcore.open(from)) {
            VmcoreInfo info = dump.vmcoreInfo().orElseThrow();
            index = info.text().indexOf("\n" + KEY) + 1;
            assertTrue(index > 0 && info.fileOffset() >= 0, "the key and its file offset");
            textAt = info.fileOffset();
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(to, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer have = ByteBuffer.allocate(KEY.length());
            ch.read(have, textAt + index);
            assertEquals(KEY, new String(have.array(), StandardCharsets.ISO_8859_1));
            ch.write(ByteBuffer.wrap(RENAMED.getBytes(StandardCharsets.ISO_8859_1)), textAt + index);
        }
    }
}
