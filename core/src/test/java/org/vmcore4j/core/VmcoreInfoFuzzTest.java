package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.vmcore4j.core.arch.X86_64AddressSpace;
import org.vmcore4j.core.synthetic.SyntheticKernel;

/**
 * Coverage-guided fuzzing of {@link VmcoreInfo#parse} (issue #8), and of what the rest of core builds
 * from a note: any descriptor parses (or, above {@link VmcoreInfo#MAX_BYTES}, is refused with a
 * {@link VmcoreFormatException}); every typed accessor agrees with the raw text and never throws;
 * the {@code require*} methods throw only {@link VmcoreFormatException}; re-parsing the text gives
 * the same entries. Then the fuzzed note describes a synthetic kernel's memory (of
 * {@link DmesgFuzzTest}): building its x86_64 address space and reading its log end in a result,
 * {@link VmcoreFormatException} or {@link MemoryAccessException}.
 *
 * <p>Seeds in {@code VmcoreInfoFuzzTestInputs}: the notes of the real corpus dumps and of the
 * synthetic kernels.
 */
class VmcoreInfoFuzzTest {

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parse(byte[] data) throws IOException {
        if (data.length > VmcoreInfo.MAX_BYTES) {
            assertThrows(VmcoreFormatException.class, () -> VmcoreInfo.parse(data, "fuzzed vmcoreinfo", 0));
            return;
        }
        VmcoreInfo info = VmcoreInfo.parse(data, "fuzzed vmcoreinfo", 0);
        assertFalse(info.text().contains("\0"));
        assertFalse(info.toString().isEmpty());
        for (Map.Entry<String, String> e : info.entries().entrySet()) {
            String key = e.getKey();
            assertFalse(key.isEmpty() || key.contains("=") || key.contains("\n"), key);
            assertEquals(e.getValue(), info.raw(key).orElseThrow());
            check(info, key, "SYMBOL(", true);
            check(info, key, "SIZE(", false);
            check(info, key, "OFFSET(", false);
            check(info, key, "LENGTH(", false);
            check(info, key, "NUMBER(", false);
        }
        info.osRelease();
        info.pageSize();
        info.crashTime();
        info.kernelOffset();
        info.config("X86_5LEVEL");
        assertEquals(info.entries(), VmcoreInfo.parse(info.text(), "again").entries());

        DmesgFuzzTest.Base base = DmesgFuzzTest.BASES.get(data.length % DmesgFuzzTest.BASES.size());
        SyntheticKernel k = base.kernel();
        try {
            X86_64AddressSpace space = X86_64AddressSpace.create(k.memory(), info, k.mappings());
            Dmesg d = Dmesg.read(info, space, data.length % 2 == 0);
            d.makedumpfileText();
            d.records().forEach(Dmesg.Record::text);
        } catch (VmcoreFormatException | MemoryAccessException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
        }
    }

    /** The typed accessor for {@code key} agrees with its raw value, and require* with the accessor. */
    private static void check(VmcoreInfo info, String key, String prefix, boolean hexOnly) throws VmcoreFormatException {
        if (!key.startsWith(prefix) || !key.endsWith(")")) {
            return;
        }
        String name = key.substring(prefix.length(), key.length() - 1);
        OptionalLong v = switch (prefix) {
            case "SYMBOL(" -> info.symbol(name);
            case "SIZE(" -> info.size(name);
            case "OFFSET(" -> info.offset(name);
            case "LENGTH(" -> info.length(name);
            default -> info.number(name);
        };
        OptionalLong expect = hexOnly ? VmcoreInfo.hex(info.raw(key).orElseThrow())
                : VmcoreInfo.decimalOrHex(info.raw(key).orElseThrow());
        assertEquals(expect, v, key);
        if (v.isPresent()) {
            long got = switch (prefix) {
                case "SYMBOL(" -> info.requireSymbol(name);
                case "SIZE(" -> info.requireSize(name);
                case "OFFSET(" -> info.requireOffset(name);
                case "LENGTH(" -> info.requireLength(name);
                default -> info.requireNumber(name);
            };
            assertEquals(v.getAsLong(), got);
        } else {
            VmcoreFormatException e = assertThrows(VmcoreFormatException.class, () -> {
                switch (prefix) {
                    case "SYMBOL(" -> info.requireSymbol(name);
                    case "SIZE(" -> info.requireSize(name);
                    case "OFFSET(" -> info.requireOffset(name);
                    case "LENGTH(" -> info.requireLength(name);
                    default -> info.requireNumber(name);
                }
            });
            assertTrue(e.getMessage().contains("fuzzed vmcoreinfo"), e.getMessage());
        }
    }
}
