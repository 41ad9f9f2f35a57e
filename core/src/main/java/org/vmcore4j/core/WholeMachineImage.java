package org.vmcore4j.core;

import java.util.Locale;
import java.util.Optional;

/**
 * What opening a whole-machine memory image (QEMU {@code dump-guest-memory}, {@code virsh dump
 * --memory-only}, a raw image) found about the kernel whose memory it holds: live memory with no kdump
 * capture in it, or a capture kernel running after a crash, whose elfcorehdr names the crashed
 * kernel's memory (see {@link Elfcorehdr}); and whether the dump as opened is that crashed kernel's
 * memory with kexec's backup region put back.
 */
public final class WholeMachineImage {
    /** What the image holds. */
    public enum Kind {
        /** No elfcorehdr was found: the memory of the kernel that ran when the image was taken. */
        LIVE_KERNEL_MEMORY,
        /** The caller asked for the image as it is (no remap): not searched for an elfcorehdr. */
        NOT_INSPECTED,
        /** A capture armed with kexec_load: the elfcorehdr has a backup-region PT_LOAD. */
        KEXEC_LOAD_CAPTURE,
        /** A capture armed with kexec_file_load: an elfcorehdr with no backup region. */
        KEXEC_FILE_CAPTURE
    }

    private final Kind kind;
    private final Elfcorehdr header;
    private final boolean crashedKernelView;
    private final String detail;

    private WholeMachineImage(Kind kind, Elfcorehdr header, boolean crashedKernelView, String detail) {
        this.kind = kind;
        this.header = header;
        this.crashedKernelView = crashedKernelView;
        this.detail = detail;
    }

    static WholeMachineImage live(String detail) {
        return new WholeMachineImage(Kind.LIVE_KERNEL_MEMORY, null, false, detail);
    }

    static WholeMachineImage notInspected() {
        return new WholeMachineImage(Kind.NOT_INSPECTED, null, false, null);
    }

    static WholeMachineImage capture(Elfcorehdr header, boolean crashedKernelView, String detail) {
        return new WholeMachineImage(header.backup().isPresent() ? Kind.KEXEC_LOAD_CAPTURE : Kind.KEXEC_FILE_CAPTURE,
                header, crashedKernelView, detail);
    }

    /** {@return what the image holds} */
    public Kind kind() {
        return kind;
    }

    /** {@return the elfcorehdr found in the image, for a capture} */
    public Optional<Elfcorehdr> elfcorehdr() {
        return Optional.ofNullable(header);
    }

    /**
     * {@return whether the dump's memory is the crashed kernel's as its elfcorehdr names it (the
     * capture kernel's memory left out), rather than the image as it is}
     */
    public boolean crashedKernelView() {
        return crashedKernelView;
    }

    /**
     * {@return whether kexec's backup region is read from its copy (a kexec_load capture seen as the
     * crashed kernel's)}
     */
    public boolean backupRegionRemapped() {
        return crashedKernelView && kind == Kind.KEXEC_LOAD_CAPTURE;
    }

    /** {@return one line for {@code info}} */
    public String describe() {
        String text = switch (kind) {
            case LIVE_KERNEL_MEMORY -> "live kernel memory (no elfcorehdr)";
            case NOT_INSPECTED -> "whole-machine image read as it is (backup-region remap refused at open; "
                    + "not searched for an elfcorehdr)";
            case KEXEC_LOAD_CAPTURE -> {
                Elfcorehdr.Load b = header.backup().orElseThrow();
                yield String.format(Locale.ROOT, "kexec_load capture, elfcorehdr at 0x%x; backup region 0x%x-0x%x %s", header.address(),
                        b.physicalAddress(), b.physicalEnd(), crashedKernelView
                                ? String.format(Locale.ROOT, "remapped from its copy at 0x%x; crash kernel's memory left out", b.sourceAddress())
                                : "NOT remapped: memory read as the image holds it");
            }
            case KEXEC_FILE_CAPTURE -> String.format(Locale.ROOT, "kexec_file_load capture, elfcorehdr at 0x%x; no backup region (no remap); %s",
                    header.address(), crashedKernelView ? "crash kernel's memory left out" : "memory read as the image holds it");
        };
        return detail == null ? text : text + " (" + detail + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
