package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.AddressSpace;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.ReadResult;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * A dump opened from a stream (makedumpfile {@code -F} piped in, as {@code makedumpfile -F | ssh}
 * delivers it) or from a caller's channel reads as the same dump opened from its file, and the
 * stream's temporary copy is gone once the dump is closed.
 */
@RequiresCorpus
@RequiresMakedumpfile
class StreamAndChannelOpenCorpusTest {
    @TempDir
    Path spool;

    static Corpus.Dump[] dumps() {
        return CorpusChecks.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void aFlattenedStreamAndAChannelOpenAsTheFileDoes(Corpus.Dump d) throws IOException {
        Path flat = ReferenceOutputs.flattened(d, "F-d31-l", "-d", "31", "-l");
        Path kdump = ReferenceOutputs.output(d, "d31-l", "-d", "31", "-l");
        try (Vmcore file = Vmcore.open(kdump);
                InputStream in = Files.newInputStream(flat);
                Vmcore streamed = Vmcore.open(in, spool, OpenOptions.defaults());
                Vmcore channel = Vmcore.open(FileChannel.open(kdump, StandardOpenOption.READ), kdump.toString(),
                        OpenOptions.defaults())) {
            // on Linux the JDK unlinks a DELETE_ON_CLOSE file as soon as it is open; elsewhere it stays till close
            assertTrue(listSpool().length <= 1, "at most the one temporary copy while open");
            assertEquals(file.physicalMemory().statusMap(), streamed.physicalMemory().statusMap());
            assertEquals(file.physicalMemory().statusMap(), channel.physicalMemory().statusMap());
            assertEquals(file.vmcoreInfo().orElseThrow().text(), streamed.vmcoreInfo().orElseThrow().text());
            assertEquals(file.cpus(), streamed.cpus());
            int page = file.physicalMemory().pageSize();
            long firstPresent = file.physicalMemory().statusMap().next(PageStatus.PRESENT, 0).orElseThrow();
            long firstExcluded = file.physicalMemory().statusMap().next(PageStatus.EXCLUDED, 0).orElseThrow();
            for (long pfn : new long[] {firstPresent, firstExcluded}) {
                byte[] a = new byte[page];
                byte[] b = new byte[page];
                byte[] c = new byte[page];
                ReadResult ra = file.read(AddressSpace.PHYSICAL, pfn * page, a, 0, page);
                ReadResult rb = streamed.read(AddressSpace.PHYSICAL, pfn * page, b, 0, page);
                ReadResult rc = channel.read(AddressSpace.PHYSICAL, pfn * page, c, 0, page);
                assertEquals(ra.outcome(), rb.outcome());
                assertEquals(ra.outcome(), rc.outcome());
                assertArrayEquals(a, b);
                assertArrayEquals(a, c);
            }
        }
        assertEquals(0, listSpool().length, "the temporary copy is deleted with the dump");
    }

    @Test
    void aStreamThatIsNoDumpLeavesNoTemporaryFile() throws IOException {
        byte[] junk = "not a crash dump at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThrows(VmcoreFormatException.class,
                () -> Vmcore.open(new ByteArrayInputStream(junk), spool, OpenOptions.defaults()).close());
        assertEquals(0, listSpool().length);
        assertTrue(Files.isDirectory(spool));
    }

    private Path[] listSpool() throws IOException {
        try (Stream<Path> s = Files.list(spool)) {
            return s.toArray(Path[]::new);
        }
    }
}
