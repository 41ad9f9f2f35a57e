package org.vmcore4j.core;

/**
 * One ELF note: {@code name} (without its NUL), {@code type} and descriptor bytes. The descriptor
 * array is owned by the note; do not modify it.
 *
 * @param descriptorOffset offset of the descriptor in the dump file, or -1 where it has none
 */
public record Note(String name, int type, byte[] descriptor, long descriptorOffset) {
    /** NT_PRSTATUS: a CPU's registers and task at the crash. */
    public static final int NT_PRSTATUS = 1;

    /**
     * Whether this note has name {@code noteName} and type {@code noteType}.
     *
     * @param noteName the note name
     * @param noteType the note type
     * @return whether this note has name {@code noteName} and type {@code noteType}
     */
    public boolean is(String noteName, int noteType) {
        return name.equals(noteName) && type == noteType;
    }

    @Override
    public String toString() {
        return "Note(" + name + ", type " + type + ", " + descriptor.length + " bytes at " + descriptorOffset + ")";
    }
}
