package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfHeader;

import java.util.Locale;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.UnsupportedDumpException;

/**
 * ELF cores vmcore4j recognises but does not read, refused by name instead of being misread as an
 * ordinary (and then empty or wrong) Linux vmcore:
 * <ul>
 * <li>a Xen {@code xc_core} domain dump: no PT_LOADs, its pages in sections named {@code .xen_pages},
 * {@code .xen_p2m} or {@code .xen_pfn}, notes in {@code .note.Xen} (libkdumpfile's elfdump.c
 * recognises it by these section names);</li>
 * <li>a crash dump of a Xen host (hypervisor and dom0): its PT_NOTE holds notes named {@code "Xen"}
 * ({@code XEN_ELFNOTE_CRASH_INFO}) and its PT_LOADs hold machine memory, not the kernel's
 * physical memory;</li>
 * <li>an {@code ELFCLASS32} {@code EM_S390} core: a 31-bit s390 kernel (s390x cores are
 * {@code ELFCLASS64}; libkdumpfile names the 32-bit one "s390").</li>
 * </ul>
 */
final class UnsupportedElfCores {
    /** {@code e_machine} of s390 and s390x. */
    static final int EM_S390 = 22;
    /** Section names that only a Xen xc_core dump has, the most telling first. */
    private static final List<String> XEN_SECTIONS = List.of(".xen_pages", ".xen_p2m", ".xen_pfn", ".xen_prstatus",
            ".xen_shared_info", ".note.Xen");
    /** More sections than any core has; a larger table is not looked into. */
    private static final int MAX_SECTIONS = 4096;
    /** Longest section name string table read. */
    private static final int MAX_STRTAB = 1 << 20;

    private UnsupportedElfCores() {
    }

    /** Throws {@link UnsupportedDumpException} (a format feature) naming the kind of core if {@code elf} is one of those above. */
    static void refuse(ElfFile elf) throws IOException {
        String res = elf.source().description();
        ElfHeader h = elf.header();
        if (!h.is64() && h.machine() == EM_S390) {
            throw new UnsupportedDumpException(res, UnsupportedDumpException.Kind.FORMAT_FEATURE, "an ELFCLASS32 EM_S390 core is a 31-bit s390 dump, which "
                    + "vmcore4j does not read (it reads s390x dumps, which are ELFCLASS64)");
        }
        for (Note n : elf.notes()) {
            if ("Xen".equals(n.name())) {
                throw new UnsupportedDumpException(res, UnsupportedDumpException.Kind.FORMAT_FEATURE,
                        String.format(Locale.ROOT, "a Xen host (hypervisor "
                        + "and dom0) crash dump: it has a note named \"Xen\" (type 0x%x); its PT_LOADs hold machine "
                        + "memory, and vmcore4j does not read Xen dumps", n.type()));
            }
        }
        List<String> names = sectionNames(elf.source(), h);
        for (String name : XEN_SECTIONS) {
            if (names.contains(name)) {
                throw new UnsupportedDumpException(res, UnsupportedDumpException.Kind.FORMAT_FEATURE, "a Xen xc_core domain dump (it has a section named \""
                        + name + "\"): vmcore4j does not read Xen dumps");
            }
        }
    }

    /**
     * The names of the file's sections, or none where the section header table or its string table
     * is absent, implausible or outside the file: no section is needed to read a vmcore, so such a
     * table is simply not looked into.
     */
    static List<String> sectionNames(RandomAccessSource source, ElfHeader h) throws IOException {
        int count = h.shnumField();
        int entry = h.shentsize();
        int minEntry = h.is64() ? ElfHeader.ELF64_SHDR_SIZE : ElfHeader.ELF32_SHDR_SIZE;
        long size = source.size();
        List<String> names = new ArrayList<>();
        if (h.shoff() <= 0 || count <= 0 || count > MAX_SECTIONS || entry < minEntry || h.shstrndxField() <= 0
                || h.shstrndxField() >= count || h.shoff() > size || (long) count * entry > size - h.shoff()) {
            return names;
        }
        ByteBuffer table = ByteBuffer.wrap(source.readBytes(h.shoff(), count * entry)).order(h.byteOrder());
        int strAt = h.shstrndxField() * entry;
        long strOffset = h.is64() ? table.getLong(strAt + 24) : Integer.toUnsignedLong(table.getInt(strAt + 16));
        long strSize = h.is64() ? table.getLong(strAt + 32) : Integer.toUnsignedLong(table.getInt(strAt + 20));
        if (strOffset < 0 || strSize <= 0 || strSize > MAX_STRTAB || strOffset > size || strSize > size - strOffset) {
            return names;
        }
        byte[] strings = source.readBytes(strOffset, (int) strSize);
        for (int i = 0; i < count; i++) {
            long at = Integer.toUnsignedLong(table.getInt(i * entry));
            if (at < strings.length) {
                int end = (int) at;
                while (end < strings.length && strings[end] != 0) {
                    end++;
                }
                names.add(new String(strings, (int) at, end - (int) at, StandardCharsets.ISO_8859_1));
            }
        }
        return names;
    }
}
