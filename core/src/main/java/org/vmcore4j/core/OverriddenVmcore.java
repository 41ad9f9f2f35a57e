package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.core.internal.LazyKernelAddressSpace;

/**
 * A dump seen with what the caller supplied at open ({@link OpenOptions}) in place of what its
 * headers say: the architecture (CPU registers are decoded with its layout) and the VMCOREINFO
 * text (the kernel address space is built from it). Everything else is the dump's own.
 */
final class OverriddenVmcore implements Vmcore {
    private final Vmcore dump;
    private final Architecture architecture;
    private final Optional<VmcoreInfo> vmcoreInfo;
    private final List<CpuState> cpus;
    private final LazyKernelAddressSpace kernelAddressSpace = LazyKernelAddressSpace.of(this,
            "the dump has no VMCOREINFO note and none was given at open");

    OverriddenVmcore(Vmcore dump, OpenOptions options) throws IOException {
        this.dump = dump;
        this.architecture = options.architecture().orElse(dump.architecture());
        String resource = dump.description() + " (VMCOREINFO given at open)";
        this.vmcoreInfo = options.vmcoreInfo().isPresent()
                ? Optional.of(VmcoreInfo.parse(options.vmcoreInfo().get().getBytes(StandardCharsets.ISO_8859_1),
                        resource, -1))
                : dump.vmcoreInfo();
        this.cpus = architecture == dump.architecture() ? dump.cpus()
                : PrStatus.decodeAll(architecture, dump.byteOrder(), dump.notes(), dump.description());
    }

    @Override
    public String formatName() {
        return dump.formatName();
    }

    @Override
    public String description() {
        return dump.description();
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public ByteOrder byteOrder() {
        return dump.byteOrder();
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    @Override
    public List<Note> notes() {
        return dump.notes();
    }

    @Override
    public byte[] noteSection() {
        return dump.noteSection();
    }

    @Override
    public List<CpuState> cpus() {
        return cpus;
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return dump.physicalMemory();
    }

    @Override
    public List<VirtualMapping> statedMappings() {
        return dump.statedMappings();
    }

    @Override
    public int dumpLevel() {
        return dump.dumpLevel();
    }

    @Override
    public Optional<byte[]> eraseInfo() throws IOException {
        return dump.eraseInfo();
    }

    @Override
    public boolean describesMemoryWithLoadSegments() {
        return dump.describesMemoryWithLoadSegments();
    }

    @Override
    public Optional<WholeMachineImage> wholeMachineImage() {
        return dump.wholeMachineImage();
    }

    @Override
    public Optional<HeaderFacts> headerFacts() {
        return dump.headerFacts();
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        return kernelAddressSpace.get();
    }

    @Override
    public void close() throws IOException {
        dump.close();
    }

    @Override
    public String toString() {
        return dump + " with " + (architecture != dump.architecture() ? "architecture " + architecture + " " : "")
                + "VMCOREINFO " + (vmcoreInfo == dump.vmcoreInfo() ? "of the dump" : "given at open");
    }
}
