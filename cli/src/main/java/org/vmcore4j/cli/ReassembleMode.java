package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.vmcore4j.core.DumpSink;
import org.vmcore4j.kdump.KdumpReassembler;
import org.vmcore4j.kdump.KdumpVmcore;

/** {@code --reassemble}: the DUMPFILEs of a {@code --split} set joined into the last DUMPFILE. */
final class ReassembleMode {
    private ReassembleMode() {
    }

    static int run(CollectorCommand options, MessageOutput messages) throws IOException {
        List<Path> parts = options.files.subList(0, options.files.size() - 1);
        Path target = options.files.get(options.files.size() - 1);
        if (!DumpFiles.checkTarget(target, options.force, messages)) {
            return messages.finish(Main.FAILED);
        }
        ProgressPrinter progress = new ProgressPrinter(messages);
        KdumpReassembler.Result r;
        try (KdumpVmcore set = KdumpVmcore.openSplitSet(parts); DumpSink sink = DumpSink.toFile(target)) {
            r = KdumpReassembler.reassemble(set, sink, progress::copyProgress);
        } catch (IOException | RuntimeException e) {
            FailedRunOutputs.removeUnreadable(List.of(target), e);
            throw e;
        }
        progress.finish(r.pages(), r.pages());
        messages.common("\nThe dumpfile is saved to " + target + ".\n");
        return messages.finish(Main.COMPLETED);
    }
}
