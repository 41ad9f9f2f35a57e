package org.vmcore4j.core.synthetic;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vmcore4j.core.VirtualMapping;

/**
 * Writes a minimal ELF64 little-endian x86_64 core as /proc/vmcore presents one: a PT_NOTE with the
 * VMCOREINFO note, then one page-aligned PT_LOAD per mapping whose bytes are the physical memory
 * it maps. Enough for makedumpfile to open; test-only.
 */
final class ElfCoreWriter {
    private ElfCoreWriter() {
    }

    static void write(Path file, byte[] vmcoreInfo, byte[] physical, List<VirtualMapping> loads) throws IOException {
        byte[] name = "VMCOREINFO\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int noteSize = 12 + align4(name.length) + align4(vmcoreInfo.length);
        int phnum = 1 + loads.size();
        long noteOffset = 64 + 56L * phnum;
        long dataOffset = align(noteOffset + noteSize, 4096);

        ByteBuffer h = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        h.position(16);
        h.putShort((short) 4);   // ET_CORE
        h.putShort((short) 62);  // EM_X86_64
        h.putInt(1);             // EV_CURRENT
        h.putLong(0);            // e_entry
        h.putLong(64);           // e_phoff
        h.putLong(0);            // e_shoff
        h.putInt(0);             // e_flags
        h.putShort((short) 64);  // e_ehsize
        h.putShort((short) 56);  // e_phentsize
        h.putShort((short) phnum);
        h.putShort((short) 0);   // e_shentsize
        h.putShort((short) 0);   // e_shnum
        h.putShort((short) 0);   // e_shstrndx

        phdr(h, 4, 0, noteOffset, 0, 0, noteSize, noteSize, 0); // PT_NOTE
        long off = dataOffset;
        for (VirtualMapping m : loads) {
            phdr(h, 1, 7, off, m.virtualAddress(), m.physicalAddress(), m.size(), m.size(), 0); // PT_LOAD RWX
            off += m.size();
        }
        h.position((int) noteOffset);
        h.putInt(name.length);
        h.putInt(vmcoreInfo.length);
        h.putInt(0);
        h.put(name);
        h.position((int) noteOffset + 12 + align4(name.length));
        h.put(vmcoreInfo);

        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(h.array());
            for (VirtualMapping m : loads) {
                out.write(physical, (int) m.physicalAddress(), (int) m.size());
            }
        }
    }

    private static void phdr(ByteBuffer h, int type, int flags, long offset, long vaddr, long paddr, long filesz,
            long memsz, long align) {
        h.putInt(type);
        h.putInt(flags);
        h.putLong(offset);
        h.putLong(vaddr);
        h.putLong(paddr);
        h.putLong(filesz);
        h.putLong(memsz);
        h.putLong(align);
    }

    private static int align4(int n) {
        return (n + 3) & -4;
    }

    private static long align(long n, long a) {
        return (n + a - 1) & -a;
    }
}
