package org.vmcore4j.core;

import java.util.Locale;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmcore4j.core.internal.Notes;

/**
 * The ELF core header a crashed kernel's capture was armed with ({@code elfcorehdr}), as it lies in
 * the crash kernel's reservation: the crashed kernel's memory map, one PT_LOAD per RAM range, and
 * PT_NOTEs pointing at its per-CPU crash notes and its VMCOREINFO note. /proc/vmcore is built from
 * it; a whole-machine image taken while the capture kernel runs holds it and the memory it names.
 *
 * <p>Layout facts (kexec-tools {@code kexec/crashdump-elf.c} and {@code kexec/arch/i386/crashdump-x86.c};
 * Linux {@code kernel/crash_core.c crash_prepare_elf64_headers} for kexec_file_load): an ELF64 ET_CORE
 * header followed directly by its program headers; every PT_LOAD has {@code p_filesz == p_memsz} and
 * {@code p_offset == p_paddr} (the physical address the data is read from), except, with kexec_load on
 * x86, the one for the low range kexec copied before booting the capture kernel (the backup region):
 * its {@code p_offset} is where the copy lies, inside the reservation. The reservation itself is in no
 * PT_LOAD, so neither is this header.
 *
 * <p>{@link #parse} accepts only headers that keep those rules, so a damaged or planted header is
 * refused with a reason instead of redirecting reads.
 */
public final class Elfcorehdr {
    /** A PT_LOAD: crashed-kernel physical range {@code [physicalAddress, +size)} read from {@code sourceAddress}. */
    public record Load(long physicalAddress, long virtualAddress, long sourceAddress, long size) {
        /**
         * {@return whether this range is kexec's copy of the backup region rather than the crashed
         * kernel's own memory}
         */
        public boolean isBackupCopy() {
            return sourceAddress != physicalAddress;
        }

        /** {@return one past the last physical address of the range} */
        public long physicalEnd() {
            return physicalAddress + size;
        }
    }

    /** A PT_NOTE: {@code size} bytes of notes at physical {@code physicalAddress}. */
    public record NoteSegment(long physicalAddress, long size) {
    }

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int ET_CORE = 4;
    /** More program headers than a machine with thousands of CPUs and RAM ranges needs; caps the bytes read. */
    static final int MAX_PROGRAM_HEADERS = 8192;
    private static final long PHYSICAL_LIMIT = 1L << 52;

    private final long address;
    private final int machine;
    private final List<Load> loads;
    private final List<NoteSegment> noteSegments;

    private final byte[] fileHeader;

    private Elfcorehdr(long address, int machine, List<Load> loads, List<NoteSegment> noteSegments, byte[] fileHeader) {
        this.fileHeader = fileHeader;
        this.address = address;
        this.machine = machine;
        this.loads = List.copyOf(loads);
        this.noteSegments = List.copyOf(noteSegments);
    }

    /** Whether {@code head} (at least 4 bytes) starts like an ELF file. */
    static boolean looksLikeElf(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /**
     * How many bytes the header at the start of {@code ehdr} (its first {@link #EHDR_SIZE} bytes) spans
     * with its program headers, or -1 if it is no ELF64 core file header of {@code order}.
     */
    static int headerLength(byte[] ehdr, ByteOrder order) {
        if (ehdr.length < EHDR_SIZE || !looksLikeElf(ehdr) || ehdr[4] != 2
                || ehdr[5] != (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2)
                || (Notes.getInt(ehdr, 16, order) & 0xffff) != ET_CORE) {
            return -1;
        }
        long phoff = Notes.getLong(ehdr, 32, order);
        int phentsize = Notes.getInt(ehdr, 54, order) & 0xffff;
        int phnum = Notes.getInt(ehdr, 56, order) & 0xffff;
        if (phoff != EHDR_SIZE || phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PROGRAM_HEADERS) {
            return -1;
        }
        return EHDR_SIZE + phnum * PHDR_SIZE;
    }

    /**
     * Parses and checks the header whose bytes ({@link #headerLength} of them) lie at physical
     * {@code address} of {@code image}. {@code lowMemoryEnd}: where the low memory a capture kernel takes
     * as its own ends ({@link org.vmcore4j.core.arch.ArchitectureSupport#kexecLowMemoryEnd()}).
     *
     * @throws VmcoreFormatException naming the first rule the header breaks
     */
    static Elfcorehdr parse(byte[] bytes, long address, ByteOrder order, long lowMemoryEnd, PhysicalMemory image,
            String resource) throws VmcoreFormatException {
        int length = headerLength(bytes, order);
        if (length < 0 || bytes.length < length) {
            throw refuse(resource, address, "not a complete ELF64 core header");
        }
        int machine = Notes.getInt(bytes, 18, order) & 0xffff;
        int phnum = (length - EHDR_SIZE) / PHDR_SIZE;
        List<Load> loads = new ArrayList<>();
        List<NoteSegment> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = EHDR_SIZE + i * PHDR_SIZE;
            int type = Notes.getInt(bytes, p, order);
            long offset = Notes.getLong(bytes, p + 8, order);
            long vaddr = Notes.getLong(bytes, p + 16, order);
            long paddr = Notes.getLong(bytes, p + 24, order);
            long filesz = Notes.getLong(bytes, p + 32, order);
            long memsz = Notes.getLong(bytes, p + 40, order);
            String which = "program header #" + i;
            if (type == PT_NOTE) {
                if (!below(offset, filesz, PHYSICAL_LIMIT) || filesz > VmcoreInfo.MAX_BYTES) {
                    throw refuse(resource, address, which + ": PT_NOTE of " + filesz + " bytes at 0x"
                            + Long.toHexString(offset) + " is out of range");
                }
                notes.add(new NoteSegment(offset, filesz));
            } else if (type == PT_LOAD) {
                if (filesz != memsz || memsz == 0 || !below(paddr, memsz, PHYSICAL_LIMIT)
                        || !below(offset, memsz, PHYSICAL_LIMIT)) {
                    throw refuse(resource, address, String.format(Locale.ROOT,
                            "%s: PT_LOAD paddr 0x%x offset 0x%x filesz 0x%x memsz 0x%x is no RAM range a kexec loader writes",
                            which, paddr, offset, filesz, memsz));
                }
                loads.add(new Load(paddr, vaddr, offset, memsz));
            }
        }
        Elfcorehdr h = new Elfcorehdr(address, machine, loads, notes, Arrays.copyOf(bytes, EHDR_SIZE));
        h.check(length, lowMemoryEnd, image, resource);
        return h;
    }

    private void check(int length, long lowMemoryEnd, PhysicalMemory image, String resource) throws VmcoreFormatException {
        if (loads.isEmpty()) {
            throw refuse(resource, address, "no PT_LOAD");
        }
        for (Load l : loads) {
            // The capture kernel runs with low memory as its own: kexec_load backs it up (the one PT_LOAD
            // read from elsewhere), kexec_file_load leaves it out (Linux 5.x+ crash.c) or, before, backed it up.
            if (!l.isBackupCopy() && l.physicalAddress() < lowMemoryEnd) {
                throw refuse(resource, address, String.format(Locale.ROOT,
                        "PT_LOAD 0x%x-0x%x reads low memory in place, where the capture kernel ran", l.physicalAddress(),
                        l.physicalEnd()));
            }
        }
        List<Load> backups = loads.stream().filter(Load::isBackupCopy).toList();
        if (backups.size() > 1) {
            throw refuse(resource, address, backups.size() + " PT_LOADs read from elsewhere than their own address; "
                    + "kexec backs up one low range");
        }
        for (Load b : backups) {
            if (b.physicalEnd() > lowMemoryEnd) {
                throw refuse(resource, address, String.format(Locale.ROOT, "the backed-up range 0x%x-0x%x is not low memory%s",
                        b.physicalAddress(), b.physicalEnd(), lowMemoryEnd == 0 ? " (no kexec backs up memory here)" : ""));
            }
            // kexec-tools backs up low memory from the start of its first RAM range (page 0 or 1) into
            // page-aligned memory of the reservation; a range that starts elsewhere would pair the copy's
            // bytes with the wrong addresses
            int page = image.pageSize();
            if (b.physicalAddress() > page || b.physicalAddress() % page != 0 || b.sourceAddress() % page != 0) {
                throw refuse(resource, address, String.format(Locale.ROOT, "the backed-up range 0x%x-0x%x (copy at "
                        + "0x%x) does not start page-aligned at the first page of low memory, as kexec backs it up",
                        b.physicalAddress(), b.physicalEnd(), b.sourceAddress()));
            }
            for (Load l : loads) {
                if (l != b && overlaps(l.physicalAddress(), l.physicalEnd(), b.physicalAddress(), b.physicalEnd())) {
                    throw refuse(resource, address, String.format(Locale.ROOT,
                            "the backed-up range 0x%x-0x%x overlaps PT_LOAD 0x%x-0x%x", b.physicalAddress(),
                            b.physicalEnd(), l.physicalAddress(), l.physicalEnd()));
                }
            }
            if (coveredByLoads(b.sourceAddress(), b.sourceAddress() + b.size())) {
                throw refuse(resource, address, String.format(Locale.ROOT,
                        "the backup copy at 0x%x lies in the crashed kernel's own memory, not in the crash kernel's reservation",
                        b.sourceAddress()));
            }
        }
        for (int i = 0; i < loads.size(); i++) {
            for (int j = i + 1; j < loads.size(); j++) {
                Load a = loads.get(i);
                Load b = loads.get(j);
                // RAM ranges are disjoint; only the kernel-text PT_LOAD lies (wholly) inside a RAM one
                if (overlaps(a.physicalAddress(), a.physicalEnd(), b.physicalAddress(), b.physicalEnd())
                        && !within(a, b) && !within(b, a)) {
                    throw refuse(resource, address, String.format(Locale.ROOT, "PT_LOADs 0x%x-0x%x and 0x%x-0x%x overlap in part",
                            a.physicalAddress(), a.physicalEnd(), b.physicalAddress(), b.physicalEnd()));
                }
            }
        }
        if (coveredByLoads(address, address + length)) {
            throw refuse(resource, address, "the header lies in memory its own PT_LOADs name as the crashed kernel's");
        }
        List<PhysicalRange> ram = image.ranges();
        for (Load l : loads) {
            if (!inside(ram, l.sourceAddress(), l.sourceAddress() + l.size())) {
                throw refuse(resource, address, String.format(Locale.ROOT,
                        "PT_LOAD 0x%x-0x%x reads from 0x%x-0x%x, past the memory the image holds", l.physicalAddress(),
                        l.physicalEnd(), l.sourceAddress(), l.sourceAddress() + l.size()));
            }
        }
    }

    private boolean coveredByLoads(long start, long end) {
        for (Load l : loads) {
            if (overlaps(l.physicalAddress(), l.physicalEnd(), start, end)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code [start, end)} lies within the union of {@code ranges} (sorted, merged). */
    private static boolean inside(List<PhysicalRange> ranges, long start, long end) {
        long pos = start;
        for (PhysicalRange r : ranges) {
            if (r.end() <= pos) {
                continue;
            }
            if (r.start() > pos) {
                return false;
            }
            pos = r.end();
            if (pos >= end) {
                return true;
            }
        }
        return pos >= end;
    }

    private static boolean within(Load inner, Load outer) {
        return inner.physicalAddress() >= outer.physicalAddress() && inner.physicalEnd() <= outer.physicalEnd();
    }

    private static boolean overlaps(long a, long aEnd, long b, long bEnd) {
        return a < bEnd && b < aEnd;
    }

    private static boolean below(long start, long size, long limit) {
        return start >= 0 && size >= 0 && start < limit && size <= limit - start;
    }

    private static VmcoreFormatException refuse(String resource, long address, String why) {
        return new VmcoreFormatException(resource, -1,
                String.format(Locale.ROOT, "ELF core header at physical 0x%x refused: %s", address, why));
    }

    /** {@return physical address of the header in the image} */
    public long address() {
        return address;
    }

    /**
     * {@return the ELF file header as the header states it (/proc/vmcore starts with it, its e_phnum
     * rewritten)}
     */
    public byte[] fileHeader() {
        return fileHeader.clone();
    }

    /** {@return {@code e_machine}} */
    public int machine() {
        return machine;
    }

    /** {@return the PT_LOADs in program header order} */
    public List<Load> loads() {
        return loads;
    }

    /** {@return the header's PT_NOTE segments, in header order} */
    public List<NoteSegment> noteSegments() {
        return noteSegments;
    }

    /** {@return the PT_LOAD of kexec_load's backup region, if the header has one} */
    public Optional<Load> backup() {
        return loads.stream().filter(Load::isBackupCopy).findFirst();
    }

    /**
     * {@return the crashed kernel's RAM as the PT_LOADs name it: sorted, merged where they touch or
     * overlap}
     */
    public List<PhysicalRange> crashedKernelRanges() {
        List<Load> sorted = new ArrayList<>(loads);
        sorted.sort(Comparator.comparingLong(Load::physicalAddress));
        List<PhysicalRange> out = new ArrayList<>();
        for (Load l : sorted) {
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).end() >= l.physicalAddress()) {
                out.set(last, new PhysicalRange(out.get(last).start(), Math.max(out.get(last).end(), l.physicalEnd())));
            } else {
                out.add(new PhysicalRange(l.physicalAddress(), l.physicalEnd()));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "elfcorehdr at 0x%x: %d PT_LOADs, %d PT_NOTEs%s", address, loads.size(), noteSegments.size(),
                backup().map(b -> String.format(Locale.ROOT, ", backup 0x%x-0x%x copied at 0x%x", b.physicalAddress(),
                        b.physicalEnd(), b.sourceAddress())).orElse(""));
    }
}
