package org.vmcore4j.cli;

import java.util.List;
import java.io.IOException;
import java.nio.file.Path;

import org.vmcore4j.kdump.FlattenedRearranger;

/** {@code -R}: a flattened dump from standard input rearranged into DUMPFILE. */
final class RearrangeMode {
    private RearrangeMode() {
    }

    static int run(CollectorCommand options, MessageOutput messages) throws IOException {
        Path target = options.files.get(0);
        if (!DumpFiles.checkTarget(target, options.force, messages)) {
            return messages.finish(Main.FAILED);
        }
        try {
            FlattenedRearranger.rearrange(options.in, "standard input", target);
        } catch (IOException | RuntimeException e) {
            FailedRunOutputs.removeUnreadable(List.of(target), e);
            throw e;
        }
        messages.common("\nThe dumpfile is saved to " + target + ".\n");
        return messages.finish(Main.COMPLETED);
    }
}
