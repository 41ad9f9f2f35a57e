package org.vmcore4j.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;

/**
 * What a caller says about a dump before it is opened, as libkdumpfile's attributes set before
 * {@code kdump_open}: the architecture and the VMCOREINFO text where the dump lacks them or states
 * them wrongly, and how the file is read. Immutable; start from {@link #defaults()}.
 */
public final class OpenOptions {
    /** How a dump file is read. */
    public enum ReadMode {
        /**
         * The whole file mapped (in windows of at most 1 GiB), falling back to positional reads
         * where a file cannot be mapped: fastest for random access, but every page read stays in
         * the resident set until the dump is closed.
         */
        MAPPED,
        /**
         * One small mapped window per reading thread, unmapped as the thread moves on, as
         * makedumpfile maps /proc/vmcore: a dump read once from end to end costs little memory.
         */
        WINDOWED,
        /** Positional reads ({@code pread}) into the caller's buffers; no mapping at all. */
        PREAD
    }

    private static final OpenOptions DEFAULTS = new OpenOptions(null, null, ReadMode.MAPPED, true, null);

    private final Architecture architecture;
    private final String vmcoreInfo;
    private final ReadMode readMode;
    private final boolean crashedKernelView;
    private final List<RawRange> rawRanges;

    private OpenOptions(Architecture architecture, String vmcoreInfo, ReadMode readMode, boolean crashedKernelView,
            List<RawRange> rawRanges) {
        this.architecture = architecture;
        this.vmcoreInfo = vmcoreInfo;
        this.readMode = readMode;
        this.crashedKernelView = crashedKernelView;
        this.rawRanges = rawRanges;
    }

    /** {@return the new options}. Detect everything from the dump; map the file whole. */
    public static OpenOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The crashed machine's architecture, used instead of what the dump's headers say.
     *
     * @param architecture the architecture
     * @return the crashed machine's architecture, used instead of what the dump's headers say
     */
    public OpenOptions withArchitecture(Architecture architecture) {
        return new OpenOptions(Objects.requireNonNull(architecture, "architecture"), vmcoreInfo, readMode,
                crashedKernelView, rawRanges);
    }

    /**
     * VMCOREINFO text ({@code KEY=value} lines, as {@code /sys/kernel/vmcoreinfo}'s note holds
     * them or {@code makedumpfile -g} writes them), used instead of the dump's own note: for dumps
     * that lack it or whose note is damaged.
     *
     * @param text the text
     * @return the new options
     */
    public OpenOptions withVmcoreInfo(String text) {
        return new OpenOptions(architecture, Objects.requireNonNull(text, "text"), readMode, crashedKernelView, rawRanges);
    }

    /**
     * How the file is read: mapped whole, in per-thread windows, or with positional reads.
     *
     * @param readMode how the file is read
     * @return how the file is read: mapped whole, in per-thread windows, or with positional reads
     */
    public OpenOptions withReadMode(ReadMode readMode) {
        return new OpenOptions(architecture, vmcoreInfo, Objects.requireNonNull(readMode, "readMode"), crashedKernelView,
                rawRanges);
    }

    /**
     * Whether a whole-machine image (QEMU or virsh memory dump, raw image) holding a kexec capture is
     * opened as the crashed kernel's dump: its elfcorehdr found in the image, kexec's backup region
     * read from its copy, the capture kernel's memory left out (the default, {@code true}); with
     * {@code false} the image is read as it is, without looking for an elfcorehdr.
     *
     * @param apply whether to apply it
     * @return whether a whole-machine image (QEMU or virsh memory dump, raw image) holding a kexec
     *         capture is opened as the crashed kernel's dump: its elfcorehdr found in the image,
     *         kexec's backup region read from its copy, the capture kernel's memory left out (the
     *         default, {@code true}); with {@code false} the image is read as it is, without
     *         looking for an elfcorehdr
     */
    public OpenOptions withBackupRegionRemap(boolean apply) {
        return new OpenOptions(architecture, vmcoreInfo, readMode, apply, rawRanges);
    }

    /**
     * Opens the file as a raw memory image (no headers) whose bytes hold these physical ranges,
     * instead of detecting its format. The architecture defaults to x86_64 and the page size to
     * VMCOREINFO's, else 4096.
     *
     * @param ranges the physical ranges
     * @return the new options
     */
    public OpenOptions withRawRanges(List<RawRange> ranges) {
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("a raw image needs at least one physical range");
        }
        return new OpenOptions(architecture, vmcoreInfo, readMode, crashedKernelView, List.copyOf(ranges));
    }

    /**
     * {@return whether a whole-machine image is opened as the crashed kernel's dump ({@link
     * #withBackupRegionRemap})}
     */
    public boolean backupRegionRemap() {
        return crashedKernelView;
    }

    /** {@return the physical ranges of a raw image, if the file is to be opened as one} */
    public Optional<List<RawRange>> rawRanges() {
        return Optional.ofNullable(rawRanges);
    }

    /** {@return the architecture the caller set, if any} */
    public Optional<Architecture> architecture() {
        return Optional.ofNullable(architecture);
    }

    /** {@return the VMCOREINFO text the caller set, if any} */
    public Optional<String> vmcoreInfo() {
        return Optional.ofNullable(vmcoreInfo);
    }

    /** {@return how the file is read} */
    public ReadMode readMode() {
        return readMode;
    }

    /** Whether the dump as opened differs from what its own headers say. */
    boolean overridesDump() {
        return architecture != null || vmcoreInfo != null;
    }

    @Override
    public String toString() {
        return "OpenOptions[architecture=" + architecture + ", vmcoreInfo="
                + (vmcoreInfo == null ? "from the dump" : vmcoreInfo.length() + " chars") + ", readMode=" + readMode
                + ", backupRegionRemap=" + crashedKernelView + (rawRanges == null ? "" : ", raw ranges " + rawRanges) + "]";
    }
}
