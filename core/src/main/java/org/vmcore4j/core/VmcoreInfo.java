package org.vmcore4j.core;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's VMCOREINFO note: {@code KEY=VALUE} lines that describe the crashed kernel (release,
 * page size, symbol addresses, structure sizes and member offsets, constants) so that a dump can be
 * understood without its vmlinux.
 *
 * <p>Parsing follows makedumpfile: the first line for a key wins; {@code SYMBOL(x)} and
 * {@code KERNELOFFSET} are hexadecimal without prefix; {@code SIZE}, {@code OFFSET}, {@code LENGTH}
 * and {@code NUMBER} are decimal (possibly negative) or hexadecimal with a {@code 0x} prefix. A value
 * that does not parse makes the typed accessor return empty; {@link #raw(String)} still returns the
 * text. Immutable and thread-safe.
 */
public final class VmcoreInfo {
    /** Larger than any kernel writes (the kernel caps it at one page); a cap keeps hostile notes cheap. */
    public static final int MAX_BYTES = 1 << 20;

    private final String text;
    private final Map<String, String> entries;
    private final String resource;
    private final long fileOffset;

    private VmcoreInfo(String text, Map<String, String> entries, String resource, long fileOffset) {
        this.text = text;
        this.entries = entries;
        this.resource = resource;
        this.fileOffset = fileOffset;
    }

    /**
     * Parses the note's descriptor bytes. A trailing NUL and everything after it is ignored, as the
     * kernel pads the note.
     *
     * @param desc the desc
     * @return the vmcore info
     * @param resource   where the text came from, for error messages
     * @param fileOffset offset of the text in {@code resource}, or -1
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public static VmcoreInfo parse(byte[] desc, String resource, long fileOffset) throws VmcoreFormatException {
        if (desc.length > MAX_BYTES) {
            throw new VmcoreFormatException(resource, fileOffset,
                    "VMCOREINFO note of " + desc.length + " bytes exceeds the " + MAX_BYTES + "-byte limit");
        }
        int len = 0;
        while (len < desc.length && desc[len] != 0) {
            len++;
        }
        String text = new String(desc, 0, len, StandardCharsets.ISO_8859_1);
        Map<String, String> entries = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            entries.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
        }
        return new VmcoreInfo(text, Collections.unmodifiableMap(entries), resource, fileOffset);
    }

    /**
     * Parses VMCOREINFO text (as in {@code /sys/kernel/vmcoreinfo}'s note or makedumpfile's {@code -g} file).
     *
     * @param text the text
     * @param resource the file or stream, for the message
     * @return the vmcore info
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public static VmcoreInfo parse(String text, String resource) throws VmcoreFormatException {
        return parse(text.getBytes(StandardCharsets.ISO_8859_1), resource, -1);
    }

    /** {@return the whole note text, as the kernel wrote it (up to the first NUL)} */
    public String text() {
        return text;
    }

    /** {@return every key with its first value, in the order of the note} */
    public Map<String, String> entries() {
        return entries;
    }

    /** {@return the file the note was read from} */
    public String resource() {
        return resource;
    }

    /** {@return offset of the text in {@link #resource()}, or -1} */
    public long fileOffset() {
        return fileOffset;
    }

    /**
     * The text of {@code key} (a whole key such as {@code "SYMBOL(prb)"}).
     *
     * @param key the key
     * @return the text of {@code key} (a whole key such as {@code "SYMBOL(prb)"})
     */
    public Optional<String> raw(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** {@return {@code OSRELEASE}: the crashed kernel's release string} */
    public Optional<String> osRelease() {
        return raw("OSRELEASE");
    }

    /** {@return {@code PAGESIZE} in bytes} */
    public OptionalLong pageSize() {
        return decimalOrHex(entries.get("PAGESIZE"));
    }

    /** {@return seconds since the epoch at the crash ({@code CRASHTIME}, appended by the crashing kernel)} */
    public OptionalLong crashTime() {
        return decimalOrHex(entries.get("CRASHTIME"));
    }

    /** {@return KASLR displacement of the kernel image ({@code KERNELOFFSET}, hex)} */
    public OptionalLong kernelOffset() {
        return hex(entries.get("KERNELOFFSET"));
    }

    /**
     * Runtime address of a kernel symbol, {@code SYMBOL(name)}.
     *
     * @param name the name to look up
     * @return runtime address of a kernel symbol, {@code SYMBOL(name)}
     */
    public OptionalLong symbol(String name) {
        return hex(entries.get("SYMBOL(" + name + ")"));
    }

    /**
     * {@code SIZE(type)}: sizeof a kernel type.
     *
     * @param type the type name
     * @return {@code SIZE(type)}: sizeof a kernel type
     */
    public OptionalLong size(String type) {
        return decimalOrHex(entries.get("SIZE(" + type + ")"));
    }

    /**
     * {@code OFFSET(struct.member)}: offset of a member in its structure.
     *
     * @param structMember {@code struct.member}
     * @return {@code OFFSET(struct.member)}: offset of a member in its structure
     */
    public OptionalLong offset(String structMember) {
        return decimalOrHex(entries.get("OFFSET(" + structMember + ")"));
    }

    /**
     * {@code LENGTH(array)}: element count of a kernel array.
     *
     * @param name the name to look up
     * @return {@code LENGTH(array)}: element count of a kernel array
     */
    public OptionalLong length(String name) {
        return decimalOrHex(entries.get("LENGTH(" + name + ")"));
    }

    /**
     * {@code NUMBER(name)}: a kernel constant.
     *
     * @param name the name to look up
     * @return {@code NUMBER(name)}: a kernel constant
     */
    public OptionalLong number(String name) {
        return decimalOrHex(entries.get("NUMBER(" + name + ")"));
    }

    /**
     * Whether {@code CONFIG_<name>=y} is present.
     *
     * @param name the name to look up
     * @return whether {@code CONFIG_<name>=y} is present
     */
    public boolean config(String name) {
        return "y".equals(entries.get("CONFIG_" + name));
    }

    /**
     * {@link #symbol(String)} or a {@link VmcoreFormatException} naming the missing key.
     *
     * @param name the name to look up
     * @return {@link #symbol(String)} or a {@link VmcoreFormatException} naming the missing key
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public long requireSymbol(String name) throws VmcoreFormatException {
        return require(symbol(name), "SYMBOL(" + name + ")");
    }

    /**
     * As {@link #size}, failing with the missing key's name.
     *
     * @param type the type name
     * @return the same as {@link #size}
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public long requireSize(String type) throws VmcoreFormatException {
        return require(size(type), "SIZE(" + type + ")");
    }

    /**
     * As {@link #offset}, failing with the missing key's name.
     *
     * @param structMember {@code struct.member}
     * @return the same as {@link #offset}
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public long requireOffset(String structMember) throws VmcoreFormatException {
        return require(offset(structMember), "OFFSET(" + structMember + ")");
    }

    /**
     * As {@link #length}, failing with the missing key's name.
     *
     * @param name the name to look up
     * @return the same as {@link #length}
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public long requireLength(String name) throws VmcoreFormatException {
        return require(length(name), "LENGTH(" + name + ")");
    }

    /**
     * As {@link #number}, failing with the missing key's name.
     *
     * @param name the name to look up
     * @return the same as {@link #number}
     * @throws VmcoreFormatException if the dump is damaged where it is read
     */
    public long requireNumber(String name) throws VmcoreFormatException {
        return require(number(name), "NUMBER(" + name + ")");
    }

    private long require(OptionalLong v, String key) throws VmcoreFormatException {
        if (v.isPresent()) {
            return v.getAsLong();
        }
        String why = entries.containsKey(key) ? "has an invalid value for " + key + ": '" + entries.get(key) + "'"
                : "lacks " + key;
        throw new VmcoreFormatException(resource, fileOffset, "VMCOREINFO " + why);
    }

    static OptionalLong hex(String v) {
        if (v == null) {
            return OptionalLong.empty();
        }
        String s = v.trim();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        if (s.isEmpty() || s.length() > 16) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseUnsignedLong(s, 16));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong decimalOrHex(String v) {
        if (v == null) {
            return OptionalLong.empty();
        }
        String s = v.trim();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return hex(s);
        }
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            try { // values printed with %lu may exceed Long.MAX_VALUE
                return OptionalLong.of(Long.parseUnsignedLong(s));
            } catch (NumberFormatException e2) {
                return OptionalLong.empty();
            }
        }
    }

    @Override
    public String toString() {
        return "VmcoreInfo(" + osRelease().orElse("?") + ", " + entries.size() + " keys)";
    }
}
