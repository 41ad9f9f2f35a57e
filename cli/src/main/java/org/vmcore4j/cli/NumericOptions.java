package org.vmcore4j.cli;

/** Numbers on makedumpfile's command line, read as makedumpfile reads them (C's atoi, its memparse). */
final class NumericOptions {
    private NumericOptions() {
    }

    /** C's atoi, as makedumpfile reads numeric options: leading blanks, a sign, digits; 0 when none. */
    static int atoi(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = Math.min(v * 10 + (s.charAt(i) - '0'), 1L << 31);
            i++;
        }
        v = negative ? -v : v;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }


    /** makedumpfile's memparse: a number (decimal, 0x hex or 0 octal) with an optional K/M/G/T/P/E suffix. */
    static long parseSize(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return -1;
        }
        int shift = 0;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int idx = "KMGTPE".indexOf(last);
        if (idx >= 0) {
            shift = 10 * (idx + 1);
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.decode(t);
            if (v < 0 || (shift > 0 && v > (Long.MAX_VALUE >> shift))) {
                return -1;
            }
            return v << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
