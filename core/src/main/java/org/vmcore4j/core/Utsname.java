package org.vmcore4j.core;

import java.nio.charset.StandardCharsets;

/**
 * The crashed kernel's {@code struct new_utsname}: six strings of at most 64 characters, each
 * stored NUL-padded in 65 bytes ({@link #BYTES} in all).
 */
public record Utsname(String sysname, String nodename, String release, String version, String machine,
        String domainname) {
    /** {@code sizeof(struct new_utsname)}. */
    public static final int BYTES = 6 * 65;

    /** {@return the struct's bytes: each field NUL-padded to 65 bytes, cut at 64 characters (ISO-8859-1)} */
    public byte[] toBytes() {
        byte[] out = new byte[BYTES];
        String[] fields = {sysname, nodename, release, version, machine, domainname};
        for (int i = 0; i < fields.length; i++) {
            byte[] f = fields[i].getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(f, 0, out, i * 65, Math.min(f.length, 64));
        }
        return out;
    }
}
