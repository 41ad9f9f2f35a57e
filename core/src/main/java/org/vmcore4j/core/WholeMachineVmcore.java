package org.vmcore4j.core;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.arch.Architecture;
import org.vmcore4j.core.arch.PrStatus;
import org.vmcore4j.core.internal.LazyKernelAddressSpace;
import org.vmcore4j.core.internal.Notes;

/**
 * A whole-machine image opened as a dump. Where it holds a kexec capture's elfcorehdr (and the caller
 * did not refuse), the dump is the crashed kernel's, as /proc/vmcore would have shown it: memory
 * {@link CapturedKernelMemory}, notes those the elfcorehdr's PT_NOTEs point at (the crashed kernel's
 * per-CPU NT_PRSTATUS and VMCOREINFO, not the hypervisor's registers of the capture kernel), mappings
 * its PT_LOADs state. Otherwise it is the image as it is, saying so through {@link #wholeMachineImage()}.
 */
final class WholeMachineVmcore implements Vmcore {
    /** QEMU's dump-guest-memory writes a note of this name per vCPU (its QEMUCPUState), in ELF and kdump files. */
    static final String QEMU_NOTE_NAME = "QEMU";

    private final Vmcore image;
    private final WholeMachineImage facts;
    private final PhysicalMemory memory;
    private final List<Note> notes;
    private final Optional<VmcoreInfo> vmcoreInfo;
    private final List<CpuState> cpus;
    private final List<VirtualMapping> mappings;
    private final LazyKernelAddressSpace kernelAddressSpace = LazyKernelAddressSpace.of(this,
            "neither the image nor the crashed kernel's notes hold VMCOREINFO");

    private WholeMachineVmcore(Vmcore image, WholeMachineImage facts, PhysicalMemory memory, List<Note> notes,
            Optional<VmcoreInfo> vmcoreInfo, List<CpuState> cpus, List<VirtualMapping> mappings) {
        this.image = image;
        this.facts = facts;
        this.memory = memory;
        this.notes = notes;
        this.vmcoreInfo = vmcoreInfo;
        this.cpus = cpus;
        this.mappings = mappings;
    }

    /** Whether {@code dump} is an image of a whole machine rather than a kernel's own dump of itself. */
    static boolean isWholeMachineImage(Vmcore dump) {
        return dump instanceof RawImageVmcore || dump.notes().stream().anyMatch(n -> QEMU_NOTE_NAME.equals(n.name()));
    }

    /**
     * {@code image} seen as the crashed kernel's dump if it holds a capture and {@code crashedKernelView}
     * asks for it, else as it is; {@code image} itself if it is no whole-machine image.
     */
    static Vmcore inspect(Vmcore image, boolean crashedKernelView) throws IOException {
        if (!isWholeMachineImage(image)) {
            return image;
        }
        PhysicalMemory imageMemory = image.physicalMemory();
        if (!crashedKernelView) {
            return asItIs(image, WholeMachineImage.notInspected());
        }
        ElfcorehdrLocator.Result found = ElfcorehdrLocator.locate(imageMemory, image.byteOrder(),
                image.architecture().support().kexecLowMemoryEnd(), image.description());
        if (found.header() == null) {
            return asItIs(image, WholeMachineImage.live(found.refusal() == null ? null : "read as it is; " + found.refusal()));
        }
        Elfcorehdr header = found.header();
        Optional<Elfcorehdr.Load> backup = header.backup();
        if (backup.isPresent() && copyIsBlank(imageMemory, backup.get())) {
            // kexec_load fills the copy only at the crash (purgatory): an armed, uncrashed kernel's image
            return asItIs(image, WholeMachineImage.live(String.format(Locale.ROOT,
                    "kdump armed, elfcorehdr at 0x%x, but its backup copy is blank: taken before a crash", header.address())));
        }
        CapturedKernelMemory crashed = new CapturedKernelMemory(imageMemory, header);
        String detail = null;
        List<Note> crashedNotes;
        try {
            crashedNotes = readNotes(crashed, header, image.byteOrder(), image.description());
        } catch (IOException unreadable) {
            crashedNotes = image.notes().stream().filter(n -> "VMCOREINFO".equals(n.name())).toList();
            detail = "the crashed kernel's notes are unreadable (" + unreadable.getMessage() + "): no CPU registers";
        }
        Optional<VmcoreInfo> info = image.vmcoreInfo();
        for (Note n : crashedNotes) {
            if ("VMCOREINFO".equals(n.name())) {
                info = Optional.of(VmcoreInfo.parse(n.descriptor(), image.description() + " (crashed kernel's VMCOREINFO)", -1));
            }
        }
        List<VirtualMapping> stated = new ArrayList<>();
        for (Elfcorehdr.Load l : header.loads()) {
            if (l.virtualAddress() != 0) {
                stated.add(new VirtualMapping(l.virtualAddress(), l.physicalAddress(), l.size()));
            }
        }
        List<CpuState> cpus = PrStatus.decodeAll(image.architecture(), image.byteOrder(), crashedNotes, image.description());
        return new WholeMachineVmcore(image, WholeMachineImage.capture(header, true, detail), crashed,
                List.copyOf(crashedNotes), info, cpus, List.copyOf(stated));
    }

    private static Vmcore asItIs(Vmcore image, WholeMachineImage facts) {
        return new WholeMachineVmcore(image, facts, image.physicalMemory(), image.notes(), image.vmcoreInfo(),
                image.cpus(), image.statedMappings());
    }

    /** Whether the backup copy holds only zeros (crash's test before it remaps). */
    private static boolean copyIsBlank(PhysicalMemory image, Elfcorehdr.Load backup) throws IOException {
        byte[] buf = new byte[image.pageSize()];
        for (long pos = 0; pos < backup.size(); pos += buf.length) {
            int n = (int) Math.min(buf.length, backup.size() - pos);
            image.read(backup.sourceAddress() + pos, buf, 0, n);
            for (int i = 0; i < n; i++) {
                if (buf[i] != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The notes of every PT_NOTE, in order, each ending at the kernel's empty note, as /proc/vmcore merges them. */
    private static List<Note> readNotes(PhysicalMemory memory, Elfcorehdr header, ByteOrder order, String resource)
            throws IOException {
        List<Note> all = new ArrayList<>();
        for (Elfcorehdr.NoteSegment s : header.noteSegments()) {
            byte[] bytes = new byte[(int) s.size()];
            memory.read(s.physicalAddress(), bytes, 0, bytes.length);
            all.addAll(Notes.parse(bytes, 0, bytes.length, order, resource + " (PT_NOTE at physical 0x"
                    + Long.toHexString(s.physicalAddress()) + ")", -1));
        }
        return all;
    }

    @Override
    public Optional<WholeMachineImage> wholeMachineImage() {
        return Optional.of(facts);
    }

    @Override
    public String formatName() {
        return image.formatName();
    }

    @Override
    public String description() {
        return image.description();
    }

    @Override
    public Architecture architecture() {
        return image.architecture();
    }

    @Override
    public ByteOrder byteOrder() {
        return image.byteOrder();
    }

    @Override
    public Optional<VmcoreInfo> vmcoreInfo() {
        return vmcoreInfo;
    }

    @Override
    public List<Note> notes() {
        return notes;
    }

    @Override
    public byte[] noteSection() {
        return facts.crashedKernelView() ? Notes.encode(notes, byteOrder()) : image.noteSection();
    }

    @Override
    public int dumpLevel() {
        return image.dumpLevel();
    }

    @Override
    public Optional<byte[]> eraseInfo() throws IOException {
        return image.eraseInfo();
    }

    @Override
    public boolean describesMemoryWithLoadSegments() {
        // the crashed kernel's view is laid out by the elfcorehdr's PT_LOADs, as /proc/vmcore is
        return facts.crashedKernelView() ? image.dumpLevel() == 0 : image.describesMemoryWithLoadSegments();
    }

    @Override
    public Optional<HeaderFacts> headerFacts() {
        return facts.crashedKernelView() ? Optional.empty() : image.headerFacts();
    }

    @Override
    public List<CpuState> cpus() {
        return cpus;
    }

    @Override
    public PhysicalMemory physicalMemory() {
        return memory;
    }

    @Override
    public List<VirtualMapping> statedMappings() {
        return mappings;
    }

    @Override
    public KernelAddressSpace kernelAddressSpace() throws IOException {
        if (!facts.crashedKernelView()) {
            return image.kernelAddressSpace();
        }
        return kernelAddressSpace.get();
    }

    @Override
    public void close() throws IOException {
        image.close();
    }

    @Override
    public String toString() {
        return image + ": " + facts.describe();
    }
}
