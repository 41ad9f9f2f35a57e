package org.vmcore4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

import org.vmcore4j.core.Dmesg;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;

/** {@code --dump-dmesg}: the crashed kernel's log into LOGFILE, or to standard output with {@code -F}. */
final class DmesgMode {
    private DmesgMode() {
    }

    static int run(CollectorCommand options, MessageOutput messages) throws IOException {
        List<Path> inputs = DumpFiles.inputs(options);
        Path target = options.flatten ? null : DumpFiles.outputs(options).get(0);
        if (target != null && !DumpFiles.checkTarget(target, options.force, messages)) {
            return messages.finish(Main.FAILED);
        }
        try (Vmcore vmcore = DumpFiles.openInput(inputs, false, options)) {
            VmcoreInfo info = DumpOpening.requireVmcoreInfo(vmcore, "locating the kernel log");
            byte[] text = Dmesg.read(info, vmcore.kernelAddressSpace(), options.partialDmesg).makedumpfileText();
            if (target == null) {
                options.out.write(text); // -F: the log, as plain text, on standard output (as makedumpfile)
                options.out.flush();
            } else {
                try (OutputStream os = java.nio.channels.Channels.newOutputStream(DumpSink.createPrivate(target))) {
                    os.write(text);
                }
            }
        }
        messages.common("\nThe dmesg log is saved to " + (target == null ? "STDOUT" : target.toString()) + ".\n");
        return messages.finish(Main.COMPLETED);
    }
}
