package org.vmcore4j.elf;

import java.util.List;
import org.vmcore4j.core.Note;

/**
 * One PT_NOTE segment: its program header, its bytes exactly as in the file (a kdump writer copies
 * them verbatim), and the notes decoded from them.
 */
public final class NoteSegment {
    private final ProgramHeader header;
    private final byte[] bytes;
    private final List<Note> notes;

    NoteSegment(ProgramHeader header, byte[] bytes, List<Note> notes) {
        this.header = header;
        this.bytes = bytes;
        this.notes = List.copyOf(notes);
    }

    /** {@return the PT_NOTE program header the notes were read from} */
    public ProgramHeader header() {
        return header;
    }

    /** {@return a copy of the segment's {@code p_filesz} bytes} */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** {@return size of the segment's bytes ({@code p_filesz})} */
    public int size() {
        return bytes.length;
    }

    /**
     * {@return the notes of this segment in file order (up to the kernel's terminating empty note, if
     * any)}
     */
    public List<Note> notes() {
        return notes;
    }

    byte[] rawBytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "NoteSegment(phdr " + header.index() + ", " + bytes.length + " bytes, " + notes.size() + " notes)";
    }
}
