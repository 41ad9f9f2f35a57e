package org.vmcore4j.collector;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

import org.vmcore4j.core.KernelAddressSpace;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreInfo;
import org.vmcore4j.core.internal.Notes;
import org.vmcore4j.core.HeaderFacts;

/**
 * What a kdump-compressed header says about the crashed machine, found the way makedumpfile finds
 * it, so that our header fields equal its: gathered once per run by {@link #of}, then shared by
 * every file of a split set.
 *
 * @param utsname          the kernel's {@code struct new_utsname} bytes ({@value #UTSNAME_BYTES})
 * @param crashTimeSeconds the header's {@code timestamp.tv_sec}
 * @param physBase         the sub-header's {@code phys_base}
 * @param cpuCount         the header's {@code nr_cpus}
 * @param noteSection      the dump's note section, copied verbatim into the output
 * @param vmcoreinfoOffset offset of the VMCOREINFO descriptor within {@code noteSection}, or -1
 * @param vmcoreinfoSize   its size, 0 where there is none
 */
record CrashedKernel(byte[] utsname, long crashTimeSeconds, long physBase, int cpuCount, byte[] noteSection,
        long vmcoreinfoOffset, long vmcoreinfoSize) {
    /** {@code sizeof(struct new_utsname)}: six 65-byte strings. */
    static final int UTSNAME_BYTES = 390;

    /**
     * Reads what the header needs from {@code dump}, asking it for its recorded header values
     * ({@link Vmcore#headerFacts()}) once. A utsname that cannot be read is reported to the
     * listener and taken from the input's header, or left empty.
     */
    static CrashedKernel of(Vmcore dump, CollectorListener listener) throws IOException {
        Optional<HeaderFacts> recorded = dump.headerFacts();
        byte[] notes = dump.noteSection();
        long[] vmcoreinfo = vmcoreinfoWithin(notes, dump.byteOrder(), dump.description() + " (notes)");
        return new CrashedKernel(utsname(dump, recorded, listener), crashTime(dump, recorded),
                physBase(dump, recorded), cpuCount(dump), notes, vmcoreinfo[0], vmcoreinfo[1]);
    }

    /**
     * The kernel's utsname bytes as they are in memory (makedumpfile's check_release copies the
     * struct raw from {@code system_utsname}, or {@code init_uts_ns} + OFFSET(uts_namespace.name),
     * or {@code init_uts_ns} + sizeof(int)); a kdump input's own header where memory cannot say;
     * else zeros as makedumpfile writes them, but for {@code machine} where no CPU note could name
     * the architecture either.
     */
    private static byte[] utsname(Vmcore dump, Optional<HeaderFacts> recorded, CollectorListener listener) {
        byte[] out = new byte[UTSNAME_BYTES];
        Optional<VmcoreInfo> info = dump.vmcoreInfo();
        try {
            if (info.isPresent()) {
                VmcoreInfo vi = info.get();
                OptionalLong address = vi.symbol("system_utsname");
                if (address.isEmpty()) {
                    OptionalLong ns = vi.symbol("init_uts_ns");
                    if (ns.isPresent()) {
                        address = OptionalLong.of(ns.getAsLong() + vi.offset("uts_namespace.name").orElse(4));
                    }
                }
                if (address.isPresent()) {
                    KernelAddressSpace kas = dump.kernelAddressSpace();
                    kas.read(address.getAsLong(), out, 0, UTSNAME_BYTES);
                    return out;
                }
            }
        } catch (IOException | RuntimeException e) {
            listener.warning("cannot read the kernel's utsname from memory (" + e.getMessage()
                    + "); the header's utsname is " + (recorded.isPresent() ? "copied from the input" : "empty"));
        }
        if (recorded.isEmpty() && dump.cpus().isEmpty()) {
            // makedumpfile leaves the utsname zero here; then nothing in a kdump file names the
            // architecture (readers fall back on the size of the CPU notes, and there are none), so
            // vmcore4j writes utsname.machine: the one byte-level difference, for input without
            // VMCOREINFO and without CPU notes only
            byte[] machine = dump.architecture().displayName().getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(machine, 0, out, 4 * 65, Math.min(machine.length, 64));
            return out;
        }
        return recorded.map(r -> r.utsname().toBytes()).orElse(out);
    }

    /** {@code tv_sec}: VMCOREINFO's CRASHTIME, else a kdump input's timestamp, else 0. */
    private static long crashTime(Vmcore dump, Optional<HeaderFacts> recorded) {
        OptionalLong t = dump.vmcoreInfo().map(VmcoreInfo::crashTime).orElse(OptionalLong.empty());
        if (t.isPresent()) {
            return t.getAsLong();
        }
        return recorded.map(HeaderFacts::crashTimeSeconds).orElse(0L);
    }

    /**
     * The sub-header's phys_base: a kdump input's own; on x86_64 NUMBER(phys_base), else derived
     * from the PT_LOAD mapping the kernel text (makedumpfile's get_phys_base_x86_64); 0 elsewhere.
     */
    private static long physBase(Vmcore dump, Optional<HeaderFacts> recorded) {
        if (recorded.isPresent()) {
            return recorded.get().physBase();
        }
        return dump.architecture().support().physBase(dump.vmcoreInfo().orElse(null), dump.statedMappings());
    }

    /** NT_PRSTATUS notes named CORE, as get_pt_note_info counts them. */
    private static int cpuCount(Vmcore dump) {
        int n = 0;
        for (Note note : dump.notes()) {
            if (note.is("CORE", Note.NT_PRSTATUS)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Offset and size of the last VMCOREINFO note's descriptor in {@code notes} (the last one counts,
     * as everywhere), or {-1, 0}. The blob is the dump's own note section, which its reader has
     * already decoded with the same {@link Notes} rules; it is parsed again because a
     * {@link Note#descriptorOffset()} counts from the start of the file, not of this blob (an ELF
     * dump's PT_NOTE segments need not be adjacent, and a note section supplied by the caller has
     * no file offset at all).
     */
    private static long[] vmcoreinfoWithin(byte[] notes, ByteOrder order, String resource) throws IOException {
        long[] found = {-1, 0};
        for (Note n : Notes.parse(notes, 0, notes.length, order, resource, 0)) {
            if (n.is("VMCOREINFO", 0)) {
                found = new long[] {n.descriptorOffset(), n.descriptor().length};
            }
        }
        return found;
    }

    @Override
    public byte[] utsname() {
        return utsname.clone();
    }

    @Override
    public byte[] noteSection() {
        return noteSection.clone();
    }
}
