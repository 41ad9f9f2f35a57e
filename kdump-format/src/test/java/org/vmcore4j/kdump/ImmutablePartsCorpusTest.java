package org.vmcore4j.kdump;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.RequiresCorpus;
import org.vmcore4j.testdata.RequiresMakedumpfile;

/**
 * A dump's parts are values a caller cannot change: the CPUs and their registers, the notes, the
 * RAM ranges, the stated mappings and the status map, on every reader (ELF, kdump, flattened, split).
 */
@RequiresCorpus
@RequiresMakedumpfile
class ImmutablePartsCorpusTest {
    static Corpus.Dump[] dumps() {
        return CorpusChecks.dumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyReadersPartsAreUnmodifiable(Corpus.Dump d) throws IOException {
        List<List<Path>> readers = List.of(List.of(d.vmcore()),
                List.of(ReferenceOutputs.output(d, "d31-l", "-d", "31", "-l")),
                List.of(ReferenceOutputs.flattened(d, "F-d31-l", "-d", "31", "-l")),
                ReferenceOutputs.split(d, "split2-d31-l", 2, "-d", "31", "-l"));
        for (List<Path> parts : readers) {
            try (Vmcore dump = Vmcore.open(parts, OpenOptions.defaults())) {
                assertFalse(dump.cpus().isEmpty(), parts.toString());
                assertThrows(UnsupportedOperationException.class, () -> dump.cpus().clear(), parts + " cpus");
                assertThrows(UnsupportedOperationException.class,
                        () -> dump.cpus().get(0).registers().put("rip", 0L), parts + " registers");
                assertThrows(UnsupportedOperationException.class, () -> dump.notes().clear(), parts + " notes");
                assertThrows(UnsupportedOperationException.class, () -> dump.physicalMemory().ranges().clear(),
                        parts + " ranges");
                assertThrows(UnsupportedOperationException.class, () -> dump.statedMappings().add(null),
                        parts + " stated mappings");
                assertThrows(UnsupportedOperationException.class,
                        () -> dump.physicalMemory().statusMap().runs().clear(), parts + " status map");
                assertThrows(UnsupportedOperationException.class,
                        () -> dump.vmcoreInfo().orElseThrow().entries().clear(), parts + " VMCOREINFO");
            }
        }
    }
}
