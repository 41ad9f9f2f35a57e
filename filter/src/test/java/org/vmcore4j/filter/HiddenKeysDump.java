package org.vmcore4j.filter;

import org.vmcore4j.core.HeaderFacts;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.CpuState;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;

/** A dump seen through a VMCOREINFO with some keys removed or replaced (what an older kernel or tool would know). */
final class HiddenKeysDump implements Vmcore {
    private final Vmcore inner;
    private final VmcoreInfo info;

    HiddenKeysDump(Vmcore inner, Set<String> hidden, String extraLines) throws IOException {
        this.inner = inner;
        VmcoreInfo orig = inner.vmcoreInfo().orElseThrow();
        String text = orig.text().lines().filter(l -> {
            int eq = l.indexOf('=');
            return eq < 0 || !hidden.contains(l.substring(0, eq));
        }).collect(Collectors.joining("\n", extraLines, "\n"));
        this.info = VmcoreInfo.parse(text, orig.resource());
    }

    @Override
    public int dumpLevel() {
        return inner.dumpLevel();
    }

    @Override
    public Optional<byte[]> eraseInfo() throws IOException {
        return inner.eraseInfo();
    }

    @Override
    public boolean describesMemoryWithLoadSegments() {
        return inner.describesMemoryWithLoadSegments();
    }

    @Override
    public Optional<HeaderFacts> headerFacts() {
        return inner.headerFacts();
    }

    @Override
    public String formatName() {
        return inner.formatName();
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public Architecture architecture() {
        return inner.architecture();
    }

    @Override
    public ByteOrder byteOrder() {
        return inner.byteOrder();
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return Optional.of(info);
    }

    @Override
    public List<Note> notes() {
        return inner.notes();
    }

    @Override
    public List<CpuState> cpus() {
        return inner.cpus();
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return inner.physicalMemory();
    }

    @Override
    public List<VirtualMapping> statedMappings() {
        return inner.statedMappings();
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        return inner.kernelAddressSpace();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
