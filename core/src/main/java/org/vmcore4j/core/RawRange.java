package org.vmcore4j.core;

import java.util.Locale;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a raw memory image holds a physical range: {@code length} bytes at file offset
 * {@code fileOffset} are physical memory from {@code physicalAddress} on. {@code length} -1 means
 * "to the end of the file".
 */
public record RawRange(long fileOffset, long physicalAddress, long length) {
    /**
     * Checks the range.
     *
     * @param fileOffset the file offset
     * @param physicalAddress the physical address
     * @param length the number of input bytes
     */
    public RawRange {
        if (fileOffset < 0 || physicalAddress < 0 || length < -1 || length == 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "raw range: file offset 0x%x, physical 0x%x, length %d", fileOffset, physicalAddress, length));
        }
    }

    /**
     * Parses ranges as the CLI takes them: {@code ADDRESS} alone (crash's {@code file@ADDRESS}: the whole
     * file is memory from ADDRESS on), or lines {@code FILE_OFFSET PHYSICAL_ADDRESS LENGTH} (numbers in
     * C syntax: 0x for hex), blank lines and {@code #} comments ignored.
     *
     * @param text the text
     * @return the list
     */
    public static List<RawRange> parse(String text) {
        List<RawRange> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                if (f.length == 1 && lines.length == 1) {
                    out.add(new RawRange(0, Long.decode(f[0]), -1));
                } else if (f.length == 3) {
                    out.add(new RawRange(Long.decode(f[0]), Long.decode(f[1]), Long.decode(f[2])));
                } else {
                    throw new IllegalArgumentException("expected FILE_OFFSET PHYSICAL_ADDRESS LENGTH");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("raw ranges line " + (i + 1) + " '" + line + "': " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no raw range given");
        }
        return out;
    }
}
