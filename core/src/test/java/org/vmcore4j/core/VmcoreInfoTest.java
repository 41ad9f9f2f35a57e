package org.vmcore4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class VmcoreInfoTest {
    /** Lines in the shapes a real x86_64 kernel prints them (kernel/vmcore_info.c formats). */
    static final String SAMPLE = String.join("\n",
            "OSRELEASE=6.1.0-56-amd64",
            "BUILD-ID=eb4fbcd037e7253717950bf2b93bd5566f47c56f",
            "PAGESIZE=4096",
            "SYMBOL(init_uts_ns)=ffffffffb2bfb000",
            "OFFSET(uts_namespace.name)=0",
            "SIZE(page)=64",
            "LENGTH(mem_section)=4096",
            "NUMBER(phys_base)=-551550976",
            "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129",
            "NUMBER(VMALLOC_START)=0xffffb0c680000000",
            "NUMBER(PG_head_mask)=65536",
            "CONFIG_X86_64=y",
            "KERNELOFFSET=30000000",
            "CRASHTIME=1795439484",
            "PAGESIZE=8192",
            "") + "\0\0\0junk after the NUL";

    @Test
    void parsesEveryKindOfLineAsTheKernelPrintsIt() throws Exception {
        VmcoreInfo info = VmcoreInfo.parse(SAMPLE.getBytes(StandardCharsets.ISO_8859_1), "sample", 100);
        assertEquals("6.1.0-56-amd64", info.osRelease().orElseThrow());
        assertEquals(OptionalLong.of(4096), info.pageSize(), "the first line of a key wins");
        assertEquals(OptionalLong.of(0xffffffffb2bfb000L), info.symbol("init_uts_ns"));
        assertEquals(OptionalLong.of(0), info.offset("uts_namespace.name"));
        assertEquals(OptionalLong.of(64), info.size("page"));
        assertEquals(OptionalLong.of(4096), info.length("mem_section"));
        assertEquals(OptionalLong.of(-551550976), info.number("phys_base"));
        assertEquals(OptionalLong.of(-129), info.number("PAGE_BUDDY_MAPCOUNT_VALUE"));
        assertEquals(OptionalLong.of(0xffffb0c680000000L), info.number("VMALLOC_START"));
        assertEquals(OptionalLong.of(0x30000000), info.kernelOffset());
        assertEquals(OptionalLong.of(1795439484), info.crashTime());
        assertTrue(info.config("X86_64"));
        assertFalse(info.config("X86_PAE"));
        assertFalse(info.text().contains("junk"), "text ends at the first NUL");
        assertEquals("sample", info.resource());
        assertEquals(100, info.fileOffset());
    }

    @Test
    void missingAndInvalidKeysAreNamedInTheError() throws Exception {
        VmcoreInfo info = VmcoreInfo.parse("SYMBOL(prb)=zzz\nSIZE(page)=64\n", "f");
        assertTrue(info.symbol("prb").isEmpty());
        assertEquals("zzz", info.raw("SYMBOL(prb)").orElseThrow());
        VmcoreFormatException invalid = assertThrows(VmcoreFormatException.class, () -> info.requireSymbol("prb"));
        assertTrue(invalid.getMessage().contains("invalid value for SYMBOL(prb)"), invalid.getMessage());
        VmcoreFormatException missing = assertThrows(VmcoreFormatException.class, () -> info.requireOffset("page.flags"));
        assertTrue(missing.getMessage().contains("lacks OFFSET(page.flags)") && missing.getMessage().contains("file=f"),
                missing.getMessage());
    }

    @Test
    void oversizedNoteIsRefusedBeforeDecoding() {
        VmcoreFormatException e = assertThrows(VmcoreFormatException.class,
                () -> VmcoreInfo.parse(new byte[VmcoreInfo.MAX_BYTES + 1], "big", 7));
        assertEquals(7, e.offset());
    }

    @Provide
    Arbitrary<byte[]> mutatedNotes() {
        byte[] base = SAMPLE.getBytes(StandardCharsets.ISO_8859_1);
        return Arbitraries.integers().between(0, base.length - 1).list().ofMaxSize(8)
                .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                    byte[] b = base.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        b[positions.get(i)] = values.get(i);
                    }
                    return b;
                }));
    }

    /** Any corruption of the text still parses; typed accessors return a value or empty, never throw. */
    @Property(tries = 3000)
    void corruptedTextNeverThrows(@ForAll("mutatedNotes") byte[] note) throws Exception {
        VmcoreInfo info = VmcoreInfo.parse(note, "mutated", 0);
        for (String key : info.entries().keySet()) {
            assertTrue(key.indexOf('=') < 0 && !key.isEmpty() && key.indexOf('\n') < 0);
        }
        info.pageSize();
        info.crashTime();
        info.kernelOffset();
        info.symbol("init_uts_ns");
        info.number("phys_base");
        info.size("page");
        info.length("mem_section");
        info.offset("uts_namespace.name");
    }

    @Property(tries = 2000)
    void numbersRoundTripInTheKernelsFormats(@ForAll long value) throws Exception {
        VmcoreInfo info = VmcoreInfo.parse("NUMBER(a)=" + value + "\nNUMBER(b)=0x" + Long.toHexString(value)
                + "\nSYMBOL(c)=" + Long.toHexString(value) + "\nSIZE(d)=" + Long.toUnsignedString(value) + "\n", "t");
        assertEquals(OptionalLong.of(value), info.number("a"));
        assertEquals(OptionalLong.of(value), info.number("b"));
        assertEquals(OptionalLong.of(value), info.symbol("c"));
        assertEquals(OptionalLong.of(value), info.size("d"));
    }
}
