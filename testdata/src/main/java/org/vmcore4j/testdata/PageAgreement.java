package org.vmcore4j.testdata;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Compares two readers' views of one dump page by page, or a converted dump with the input it was
 * made from. The rule (issue 14): wherever the output has data, it is the input's data, byte for
 * byte; where the input has none (not RAM, lost), the output may hold only zeros (the zero fill of
 * a page an ELF segment covers in part); where the output has no data, the page was excluded or is
 * absent, which is allowed, except for pages the caller says must be kept (then an input page
 * holding anything but zeros must be there).
 */
public final class PageAgreement {
    private PageAgreement() {
    }

    /** A reader's view: the bytes of page {@code pfn}, or null where it has no data for it. */
    @FunctionalInterface
    public interface PageView {
        byte[] page(long pfn) throws IOException;
    }

    /**
     * The disagreements over pages {@code [0, pages)}, at most 20 described, empty if none.
     *
     * @param mustKeep pages whose non-zero input data the output must hold
     */
    public static List<String> differences(long pages, PageView input, PageView output, LongPredicate mustKeep)
            throws IOException {
        List<String> out = new ArrayList<>();
        for (long pfn = 0; pfn < pages && out.size() < 20; pfn++) {
            byte[] in = input.page(pfn);
            byte[] got = output.page(pfn);
            if (got != null) {
                if (in == null ? !isZero(got) : !Arrays.equals(in, got)) {
                    out.add("PFN " + pfn + ": output holds " + sample(got) + ", input " + (in == null ? "has no data"
                            : "holds " + sample(in) + " (first difference at byte " + Arrays.mismatch(in, got) + ")"));
                }
            } else if (in != null && !isZero(in) && mustKeep.test(pfn)) {
                out.add("PFN " + pfn + ": output has no data, input holds " + sample(in));
            }
        }
        return out;
    }

    /** The same, with no page that must be kept. */
    public static List<String> differences(long pages, PageView input, PageView output) throws IOException {
        return differences(pages, input, output, pfn -> false);
    }

    public static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String sample(byte[] b) {
        return isZero(b) ? "zeros" : HexFormat.of().formatHex(b, 0, Math.min(16, b.length)) + "...";
    }
}
