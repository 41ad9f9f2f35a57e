package org.vmcore4j.core.arch;

import java.io.IOException;
import java.util.List;
import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.VirtualMapping;
import org.vmcore4j.core.VmcoreFormatException;
import org.vmcore4j.core.VmcoreInfo;

/** x86_64 kernel address translation. PLACEHOLDER: being implemented. */
public final class X86_64AddressSpace {
    private X86_64AddressSpace() {
    }

    public static KernelAddressSpace create(PhysicalMemory memory, VmcoreInfo info, List<VirtualMapping> mappings)
            throws IOException {
        throw new VmcoreFormatException(info.resource(), -1, "x86_64 translation not implemented yet");
    }
}
