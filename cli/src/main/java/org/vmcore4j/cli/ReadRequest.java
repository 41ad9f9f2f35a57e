package org.vmcore4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code ADDRESS LENGTH} pair of {@code vmcore4j read}, written as for libkdumpfile's
 * {@code dumpdata}: numbers in C's {@code strtoull(..., 0)} bases (0x hexadecimal, a leading 0 octal,
 * else decimal), an ADDRESS optionally prefixed with its address space, {@code KPHYSADDR:} or
 * {@code MACHPHYSADDR:} (physical; the two differ only under Xen, which vmcore4j does not read) or
 * {@code KVADDR:} (kernel virtual), in any case.
 */
record ReadRequest(boolean kernelVirtual, long address, long length) {
    private static final Pattern NUMBER = Pattern.compile("0[xX][0-9a-fA-F]{1,16}|0[0-7]{0,22}|[1-9][0-9]{0,19}");
    private static final Pattern ADDRESS = Pattern.compile("(?:([A-Za-z]+):)?(" + NUMBER.pattern() + ")");

    /** Whether {@code arg} reads as an ADDRESS (with or without its address-space prefix). */
    static boolean isAddress(String arg) {
        Matcher m = ADDRESS.matcher(arg);
        return m.matches() && (m.group(1) == null || space(m.group(1)) != null);
    }

    /** The pairs of {@code args} (ADDRESS LENGTH ADDRESS LENGTH ...); {@code kernelVirtual} where ADDRESS has no prefix. */
    static List<ReadRequest> parse(List<String> args, boolean kernelVirtual, String where) {
        if (args.size() % 2 != 0) {
            throw new IllegalArgumentException(where + ": ADDRESS " + args.get(args.size() - 1) + " has no LENGTH");
        }
        List<ReadRequest> out = new ArrayList<>(args.size() / 2);
        for (int i = 0; i < args.size(); i += 2) {
            out.add(parse(args.get(i), args.get(i + 1), kernelVirtual, where));
        }
        return out;
    }

    static ReadRequest parse(String addressArg, String lengthArg, boolean kernelVirtual, String where) {
        Matcher m = ADDRESS.matcher(addressArg);
        if (!m.matches()) {
            throw new IllegalArgumentException(where + ": invalid address: " + addressArg);
        }
        boolean kv = kernelVirtual;
        if (m.group(1) != null) {
            Boolean space = space(m.group(1));
            if (space == null) {
                throw new IllegalArgumentException(where + ": invalid address space spec: " + addressArg
                        + " (KPHYSADDR:, MACHPHYSADDR: or KVADDR:)");
            }
            kv = space;
        }
        long address = number(m.group(2), addressArg, where, "address");
        if (!NUMBER.matcher(lengthArg).matches()) {
            throw new IllegalArgumentException(where + ": invalid length: " + lengthArg);
        }
        long length = number(lengthArg, lengthArg, where, "length");
        if (length < 0 || (length > 0 && Long.compareUnsigned(address + length - 1, address) < 0)) {
            throw new IllegalArgumentException(where + ": " + addressArg + " " + lengthArg
                    + " runs past the end of the address space");
        }
        return new ReadRequest(kv, address, length);
    }

    /** true: kernel virtual, false: physical, null: not an address space name. */
    private static Boolean space(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "KPHYSADDR", "MACHPHYSADDR" -> Boolean.FALSE;
            case "KVADDR" -> Boolean.TRUE;
            default -> null;
        };
    }

    private static long number(String digits, String arg, String where, String what) {
        try {
            if (digits.startsWith("0x") || digits.startsWith("0X")) {
                return Long.parseUnsignedLong(digits.substring(2), 16);
            }
            if (digits.length() > 1 && digits.startsWith("0")) {
                return Long.parseUnsignedLong(digits.substring(1), 8);
            }
            return Long.parseUnsignedLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + what + " out of range: " + arg, e);
        }
    }
}
