package org.vmcore4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a fixture of a dump without its VMCOREINFO note, as some hypervisor dumps come or a note lost
 * to corruption leaves them: a copy of an ELF64 little-endian vmcore whose PT_NOTE segment ends before
 * the VMCOREINFO note (the kernel writes it last), the note's bytes zeroed. Read with plain ELF
 * arithmetic here, not with vmcore4j's reader, so the fixture does not depend on what it tests.
 */
final class VmcoreInfoRemoval {
    private VmcoreInfoRemoval() {
    }

    /** Copies {@code vmcore} to {@code target} without the note; returns the note's text. */
    static String copyWithoutNote(Path vmcore, Path target) throws IOException {
        Files.copy(vmcore, target);
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer eh = read(ch, 0, 64);
            if (eh.getInt(0) != 0x464c457f || eh.get(4) != 2 || eh.get(5) != 1) {
                throw new IOException(vmcore + " is not a little-endian ELF64 file");
            }
            long phoff = eh.getLong(32);
            int phentsize = eh.getShort(54) & 0xffff;
            int phnum = eh.getShort(56) & 0xffff;
            for (int i = 0; i < phnum; i++) {
                long ph = phoff + (long) i * phentsize;
                ByteBuffer p = read(ch, ph, 56);
                if (p.getInt(0) != 4) { // PT_NOTE
                    continue;
                }
                long offset = p.getLong(8);
                int size = (int) p.getLong(32);
                ByteBuffer notes = read(ch, offset, size);
                int pos = 0;
                while (pos + 12 <= size) {
                    int namesz = notes.getInt(pos);
                    int descsz = notes.getInt(pos + 4);
                    int nameAt = pos + 12;
                    int descAt = nameAt + align4(namesz);
                    int end = descAt + align4(descsz);
                    String name = new String(notes.array(), nameAt, Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
                    if (name.equals("VMCOREINFO")) {
                        String text = new String(notes.array(), descAt, descsz, StandardCharsets.ISO_8859_1);
                        if (end < size && notes.getInt(end) != 0) {
                            throw new IOException("the VMCOREINFO note of " + vmcore + " is not the last note");
                        }
                        ch.write(ByteBuffer.allocate(end - pos), offset + pos);
                        ByteBuffer sizes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                        sizes.putLong(pos).putLong(pos).flip(); // p_filesz, p_memsz
                        ch.write(sizes, ph + 32);
                        return text;
                    }
                    pos = end;
                }
            }
        }
        throw new IOException(vmcore + " has no VMCOREINFO note to remove");
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("short file at " + at);
            }
        }
        return b.flip();
    }
}
