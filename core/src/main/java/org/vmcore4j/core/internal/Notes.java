package org.vmcore4j.core.internal;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vmcore4j.core.Note;
import org.vmcore4j.core.VmcoreFormatException;

/**
 * Decodes a sequence of ELF notes ({@code Elf_Nhdr} + name + descriptor) such as a PT_NOTE segment
 * or the note blob a kdump-compressed file copies from one. Shared by every format that carries
 * kernel notes.
 *
 * <p>Layout, as Linux writes it for ELF32 and ELF64 alike: a 12-byte header ({@code n_namesz},
 * {@code n_descsz}, {@code n_type}, each 32 bits in the dump's byte order), the name padded to 4
 * bytes, the descriptor padded to 4 bytes. The padding after the last descriptor may be missing.
 * A header that is all zeros ends the list: it is the empty note the kernel writes after each CPU's
 * notes ({@code final_note}); whatever follows it is not a note. Fewer than 12 bytes left at the end
 * must be zero padding.
 *
 * <p>Every size is checked against the blob before anything is copied; a defect is a
 * {@link VmcoreFormatException} naming the resource and the file offset of the faulty field.
 */
public final class Notes {
    /** Size of {@code Elf32_Nhdr} / {@code Elf64_Nhdr} (the same 12 bytes in both classes). */
    public static final int HEADER_SIZE = 12;
    /** More notes than any machine writes (one per CPU plus a handful); a cap keeps hostile blobs cheap. */
    public static final int MAX_NOTES = 1 << 18;

    private Notes() {
    }

    /**
     * Decodes the notes in {@code blob[off..off+len)}.
     *
     * @param order      the dump's byte order
     * @param resource   the file the blob came from, for error messages and {@link Note#descriptorOffset()}
     * @param fileOffset offset of {@code blob[off]} in that file
     */
    public static List<Note> parse(byte[] blob, int off, int len, ByteOrder order, String resource, long fileOffset)
            throws VmcoreFormatException {
        Objects.checkFromIndexSize(off, len, blob.length);
        List<Note> notes = new ArrayList<>();
        long pos = 0;
        while (len - pos >= HEADER_SIZE) {
            int h = (int) (off + pos);
            long namesz = Integer.toUnsignedLong(getInt(blob, h, order));
            long descsz = Integer.toUnsignedLong(getInt(blob, h + 4, order));
            int type = getInt(blob, h + 8, order);
            if (namesz == 0 && descsz == 0 && type == 0) {
                return notes; // the kernel's terminating empty note
            }
            long nameStart = pos + HEADER_SIZE;
            if (namesz > len - nameStart) {
                throw new VmcoreFormatException(resource, fileOffset + pos,
                        "note name of " + namesz + " bytes runs past the end of the " + len + "-byte note area");
            }
            long descStart = nameStart + align4(namesz);
            if (descsz > 0 && (descStart > len || descsz > len - descStart)) {
                throw new VmcoreFormatException(resource, fileOffset + pos + 4,
                        "note descriptor of " + descsz + " bytes runs past the end of the " + len + "-byte note area");
            }
            if (notes.size() >= MAX_NOTES) {
                throw new VmcoreFormatException(resource, fileOffset + pos,
                        "more than " + MAX_NOTES + " notes");
            }
            int nameEnd = (int) (off + nameStart);
            int nameLimit = (int) (nameEnd + namesz);
            int nul = nameEnd;
            while (nul < nameLimit && blob[nul] != 0) {
                nul++;
            }
            String name = new String(blob, nameEnd, nul - nameEnd, StandardCharsets.ISO_8859_1);
            byte[] desc = descsz == 0 ? new byte[0]
                    : Arrays.copyOfRange(blob, (int) (off + descStart), (int) (off + descStart + descsz));
            notes.add(new Note(name, type, desc, fileOffset + Math.min(descStart, len)));
            pos = descStart + align4(descsz);
        }
        for (long p = pos; p < len; p++) {
            if (blob[(int) (off + p)] != 0) {
                throw new VmcoreFormatException(resource, fileOffset + pos,
                        (len - pos) + " bytes after the last note are too few for a note header and not zero padding");
            }
        }
        return notes;
    }

    /**
     * Encodes {@code notes} in the standard layout (12-byte header, name and descriptor each padded
     * to 4 bytes) in {@code order}: what a writer stores as a PT_NOTE segment.
     */
    public static byte[] encode(List<Note> notes, ByteOrder order) {
        long total = 0;
        for (Note n : notes) {
            total += HEADER_SIZE + align4(n.name().length() + 1) + align4(n.descriptor().length);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("notes of " + total + " bytes do not fit one array");
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) total).order(order);
        for (Note n : notes) {
            byte[] name = n.name().getBytes(StandardCharsets.ISO_8859_1);
            b.putInt(name.length + 1).putInt(n.descriptor().length).putInt(n.type());
            b.put(name).position(b.position() + (int) align4(name.length + 1) - name.length);
            b.put(n.descriptor()).position(b.position() + (int) align4(n.descriptor().length) - n.descriptor().length);
        }
        return b.array();
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    public static int getInt(byte[] b, int i, ByteOrder order) {
        if (order == ByteOrder.LITTLE_ENDIAN) {
            return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
        }
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    public static long getLong(byte[] b, int i, ByteOrder order) {
        long first = Integer.toUnsignedLong(getInt(b, i, order));
        long second = Integer.toUnsignedLong(getInt(b, i + 4, order));
        return order == ByteOrder.LITTLE_ENDIAN ? second << 32 | first : first << 32 | second;
    }
}
