package org.vmcore4j.core.internal;

import java.io.IOException;
import java.util.Objects;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * A dump's kernel address space, built on first use and then shared by every thread; a build that
 * fails is tried again at the next call. Readers hold one and answer
 * {@link Vmcore#kernelAddressSpace()} with {@link #get()}.
 */
public final class LazyKernelAddressSpace {
    /** Builds the address space (from VMCOREINFO, usually through the architecture's support). */
    @FunctionalInterface
    public interface Builder {
        KernelAddressSpace build() throws IOException;
    }

    private final Builder builder;
    private volatile KernelAddressSpace built;

    public LazyKernelAddressSpace(Builder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /**
     * The address space of {@code dump} as its own answers describe it: its architecture, physical
     * memory, VMCOREINFO and stated mappings; {@code withoutVmcoreInfo} is the reason given when it
     * has no VMCOREINFO.
     */
    public static LazyKernelAddressSpace of(Vmcore dump, String withoutVmcoreInfo) {
        return new LazyKernelAddressSpace(() -> dump.architecture().kernelAddressSpace(dump.physicalMemory(),
                dump.vmcoreInfo().orElseThrow(() -> new VmcoreFormatException(dump.description(), -1,
                        withoutVmcoreInfo)), dump.statedMappings()));
    }

    /** The address space, built by the first caller. */
    public KernelAddressSpace get() throws IOException {
        KernelAddressSpace k = built;
        if (k == null) {
            synchronized (this) {
                k = built;
                if (k == null) {
                    k = builder.build();
                    built = k;
                }
            }
        }
        return k;
    }
}
