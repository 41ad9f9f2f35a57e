package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfHeader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.Note;
import org.vmcore4j.testdata.Corpus;
import org.vmcore4j.testdata.ElfCoreBuilder;

/**
 * Hostile input: cores truncated at every structure boundary and at random points, with header,
 * program header and note fields overwritten by edge values, with random bytes flipped in the
 * headers and notes, and with damaged VMCOREINFO text. Every case must either open and then read
 * consistently with {@link DumpChecker}'s naive model, or be refused with a
 * {@code VmcoreFormatException} naming the file and an offset; anything else fails.
 *
 * <p>Bases are the synthetic cores of {@link SyntheticCores} and, where the corpus is present, the
 * first 64 KiB (headers and notes) of each real x86_64 dump. Seeds are fixed, so every run checks
 * the same cases. Tries: 1,500 (boundary truncation; jqwik enumerates the space exhaustively when it
 * is smaller) + 2,000 + 3,500 + 2,000 + 2,000, over 10,000 in all. Statistics coverage asserts that
 * both outcomes occur, so a property cannot pass by refusing everything.
 */
class HostileInputTest {
    private static final int CORPUS_HEAD = 64 * 1024;
    private static final List<Base> BASES = loadBases();

    /** A pristine core to damage, and where its fields are. */
    record Base(String name, byte[] bytes, ByteOrder order, boolean is64, List<Integer> boundaries,
            List<Field> fields, int notesEnd, int vmcoreInfoAt, int vmcoreInfoLen) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A field of {@code width} bytes at {@code offset}, with its pristine value. */
    record Field(String what, int offset, int width, long original) {
    }

    /** One damaged file and how it was made (shown by jqwik when a case fails). */
    record Case(String how, byte[] bytes) {
        @Override
        public String toString() {
            return how + " (" + bytes.length + " bytes)";
        }
    }

    private static List<Base> loadBases() {
        List<Base> out = new ArrayList<>();
        for (SyntheticCores.Core c : SyntheticCores.all()) {
            out.add(describe(c.name(), c.bytes()));
        }
        for (Corpus.Dump d : Corpus.x86_64Dumps()) {
            try (InputStream in = Files.newInputStream(d.vmcore())) {
                out.add(describe(d.name() + "-head", in.readNBytes(CORPUS_HEAD)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(out);
    }

    /** Finds the fields of a pristine core: our reader's parse of it (checked by the unit and corpus tests). */
    private static Base describe(String name, byte[] bytes) {
        ElfFile elf;
        try {
            elf = ElfFile.read(new ByteArraySource(bytes, name));
        } catch (IOException e) {
            throw new IllegalStateException("base " + name + " does not parse", e);
        }
        ElfHeader h = elf.header();
        boolean w = h.is64();
        ByteOrder order = h.byteOrder();
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(order);
        List<Field> f = new ArrayList<>();
        f.add(field(bb, "EI_CLASS", 4, 1));
        f.add(field(bb, "EI_DATA", 5, 1));
        f.add(field(bb, "e_type", 16, 2));
        f.add(field(bb, "e_machine", 18, 2));
        f.add(field(bb, "e_phoff", w ? 32 : 28, w ? 8 : 4));
        f.add(field(bb, "e_shoff", w ? 40 : 32, w ? 8 : 4));
        f.add(field(bb, "e_phentsize", w ? 54 : 42, 2));
        f.add(field(bb, "e_phnum", w ? 56 : 44, 2));
        List<Integer> bounds = new ArrayList<>(List.of(0, 16, h.headerSize()));
        if (h.extendedNumbering()) {
            f.add(field(bb, "sh_info", (int) h.shoff() + (w ? 44 : 28), 4));
            bounds.add((int) h.shoff());
            bounds.add((int) h.shoff() + (w ? 64 : 40));
        }
        int notesEnd = h.headerSize();
        for (ProgramHeader ph : elf.programHeaders()) {
            int at = (int) ph.headerOffset();
            String p = "phdr" + ph.index() + ".";
            bounds.add(at);
            bounds.add(at + h.programHeaderEntrySize());
            notesEnd = Math.max(notesEnd, at + h.programHeaderEntrySize());
            f.add(field(bb, p + "p_type", at, 4));
            f.add(field(bb, p + "p_offset", at + (w ? 8 : 4), w ? 8 : 4));
            f.add(field(bb, p + "p_vaddr", at + (w ? 16 : 8), w ? 8 : 4));
            f.add(field(bb, p + "p_paddr", at + (w ? 24 : 12), w ? 8 : 4));
            f.add(field(bb, p + "p_filesz", at + (w ? 32 : 16), w ? 8 : 4));
            f.add(field(bb, p + "p_memsz", at + (w ? 40 : 20), w ? 8 : 4));
            if (ph.isLoad() && ph.offset() < bytes.length) {
                bounds.add((int) ph.offset());
                bounds.add((int) Math.min(bytes.length, ph.offset() + ph.filesz()));
            }
        }
        int viAt = -1;
        int viLen = 0;
        for (NoteSegment s : elf.noteSegments()) {
            int seg = (int) s.header().offset();
            notesEnd = Math.max(notesEnd, seg + s.size());
            bounds.add(seg + s.size());
            int pos = 0;
            int i = 0;
            // walk the note headers the simple way, to know where each one sits
            while (pos + 12 <= s.size() && i < s.notes().size()) {
                int at = seg + pos;
                long namesz = Integer.toUnsignedLong(bb.getInt(at));
                long descsz = Integer.toUnsignedLong(bb.getInt(at + 4));
                bounds.add(at);
                bounds.add(at + 12);
                f.add(field(bb, "note" + i + ".n_namesz", at, 4));
                f.add(field(bb, "note" + i + ".n_descsz", at + 4, 4));
                f.add(field(bb, "note" + i + ".n_type", at + 8, 4));
                Note n = s.notes().get(i);
                if (n.is("VMCOREINFO", 0)) {
                    viAt = (int) n.descriptorOffset();
                    viLen = n.descriptor().length;
                }
                pos += 12 + (int) ((namesz + 3) & ~3L) + (int) ((descsz + 3) & ~3L);
                i++;
            }
        }
        bounds.add(bytes.length);
        List<Integer> b = bounds.stream().filter(x -> x >= 0 && x <= bytes.length).distinct().sorted().toList();
        return new Base(name, bytes, order, w, b, List.copyOf(f), Math.min(notesEnd, bytes.length), viAt, viLen);
    }

    private static Field field(ByteBuffer bb, String what, int at, int width) {
        long v = switch (width) {
            case 1 -> bb.get(at) & 0xff;
            case 2 -> bb.getShort(at) & 0xffff;
            case 4 -> Integer.toUnsignedLong(bb.getInt(at));
            default -> bb.getLong(at);
        };
        return new Field(what, at, width, v);
    }

    private static byte[] put(Base base, Field f, long v) {
        byte[] c = base.bytes().clone();
        ByteBuffer bb = ByteBuffer.wrap(c).order(base.order());
        switch (f.width()) {
            case 1 -> bb.put(f.offset(), (byte) v);
            case 2 -> bb.putShort(f.offset(), (short) v);
            case 4 -> bb.putInt(f.offset(), (int) v);
            default -> bb.putLong(f.offset(), v);
        }
        return c;
    }

    private static void run(Case c) {
        DumpChecker.Outcome o = DumpChecker.openAndCheck(c.bytes(), "mutant");
        Statistics.collect(o);
    }

    private static void bothOutcomesSeen() {
        Statistics.coverage(cov -> {
            cov.check(DumpChecker.Outcome.OPENED).count(n -> n > 0);
            cov.check(DumpChecker.Outcome.REFUSED).count(n -> n > 0);
        });
    }

    // ---- truncation ------------------------------------------------------------------------

    @Provide
    Arbitrary<Case> truncatedAtBoundaries() {
        return Arbitraries.of(BASES).flatMap(base -> Combinators.combine(
                Arbitraries.of(base.boundaries()), Arbitraries.integers().between(-3, 3))
                .as((at, delta) -> {
                    int cut = Math.max(0, Math.min(base.bytes().length, at + delta));
                    return new Case(base.name() + " cut at " + cut, Arrays.copyOf(base.bytes(), cut));
                }));
    }

    @Property(tries = 1500, seed = "4711")
    void truncatedAtAStructureBoundary(@ForAll("truncatedAtBoundaries") Case c) {
        run(c);
        bothOutcomesSeen();
    }

    @Provide
    Arbitrary<Case> truncatedAnywhere() {
        return Arbitraries.of(BASES).flatMap(base -> Arbitraries.integers().between(0, base.bytes().length)
                .map(cut -> new Case(base.name() + " cut at " + cut, Arrays.copyOf(base.bytes(), cut))));
    }

    @Property(tries = 2000, seed = "4712")
    void truncatedAnywhere(@ForAll("truncatedAnywhere") Case c) {
        run(c);
        bothOutcomesSeen();
    }

    // ---- field mutations -------------------------------------------------------------------

    private static Arbitrary<Long> valuesFor(Base base, Field f) {
        long size = base.bytes().length;
        long mask = f.width() == 8 ? -1L : (1L << (8 * f.width())) - 1;
        long o = f.original();
        List<Long> edges = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 4L, 7L, 8L, 12L, 0xffL, 0xfffeL, 0xffffL,
                mask, mask - 1, mask >>> 1, (mask >>> 1) + 1, size, size - 1, size + 1, size - 12, size / 2,
                o + 1, o - 1, o + 4, o - 4, o + 4096, o - 4096, o * 2, o + size, 0x100000000L, 1L << 60,
                (1L << 60) - 4096));
        edges.replaceAll(v -> v & mask);
        return Arbitraries.oneOf(Arbitraries.of(edges), Arbitraries.longs().map(v -> v & mask));
    }

    @Provide
    Arbitrary<Case> fieldMutations() {
        return Arbitraries.of(BASES).flatMap(base -> Arbitraries.of(base.fields()).flatMap(f ->
                valuesFor(base, f).map(v -> new Case(base.name() + " " + f.what() + "@" + f.offset() + " = 0x"
                        + Long.toHexString(v) + " (was 0x" + Long.toHexString(f.original()) + ")", put(base, f, v)))));
    }

    @Property(tries = 3500, seed = "4713")
    void headerProgramHeaderAndNoteFieldsSetToEdgeValues(@ForAll("fieldMutations") Case c) {
        run(c);
        bothOutcomesSeen();
    }

    @Provide
    Arbitrary<Case> byteFlips() {
        return Arbitraries.of(BASES).flatMap(base -> Combinators.combine(
                Arbitraries.integers().between(0, base.notesEnd() - 1).list().ofMinSize(1).ofMaxSize(8),
                Arbitraries.bytes().list().ofSize(8))
                .as((positions, values) -> {
                    byte[] c = base.bytes().clone();
                    for (int i = 0; i < positions.size(); i++) {
                        c[positions.get(i)] = values.get(i);
                    }
                    return new Case(base.name() + " bytes " + positions + " := " + values.subList(0, positions.size()), c);
                }));
    }

    @Property(tries = 2000, seed = "4714")
    void randomBytesInHeadersAndNotes(@ForAll("byteFlips") Case c) {
        run(c);
        bothOutcomesSeen();
    }

    // ---- VMCOREINFO ------------------------------------------------------------------------

    private static final String ALPHABET = "0123456789abcdefx=()\n\0 -PAGESIZE\u00ff";

    @Provide
    Arbitrary<Case> vmcoreInfoEdits() {
        List<Base> withInfo = BASES.stream().filter(b -> b.vmcoreInfoAt() >= 0).toList();
        Arbitrary<Case> inPlace = Arbitraries.of(withInfo).flatMap(base -> Combinators.combine(
                Arbitraries.integers().between(0, base.vmcoreInfoLen() - 1).list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.of(ALPHABET.toCharArray()).list().ofSize(6))
                .as((positions, chars) -> {
                    byte[] c = base.bytes().clone();
                    for (int i = 0; i < positions.size(); i++) {
                        c[base.vmcoreInfoAt() + positions.get(i)] = (byte) chars.get(i).charValue();
                    }
                    return new Case(base.name() + " VMCOREINFO chars " + positions, c);
                }));
        Arbitrary<String> pageSize = Arbitraries.oneOf(
                Arbitraries.of("4096", "65536", "1024", "512", "0x1000", "-4096", "", "4096 ", " 8192", "16384\0",
                        "99999999999999999999", "1048576", "2097152", "4097", "abc"),
                Arbitraries.integers().map(i -> Integer.toString(i)));
        Arbitrary<String> garbage = Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMaxLength(40);
        Arbitrary<Case> rebuilt = Combinators.combine(pageSize, garbage, Arbitraries.integers().between(0, 2))
                .as((ps, junk, where) -> {
                    String text = switch (where) {
                        case 0 -> "PAGESIZE=" + ps + "\n" + junk + "\n" + SyntheticCores.vmcoreInfoText(4096);
                        case 1 -> junk + "\nOSRELEASE=x\nPAGESIZE=" + ps + "\n";
                        default -> SyntheticCores.vmcoreInfoText(4096).replace("PAGESIZE=4096", "PAGESIZE=" + ps) + junk;
                    };
                    ElfCoreBuilder b = SyntheticCores.x86_64Builder(ByteOrder.LITTLE_ENDIAN, true).vmcoreInfo(text);
                    return new Case("rebuilt with VMCOREINFO " + text.replace("\n", "\\n").replace("\0", "\\0"),
                            b.build().bytes());
                });
        return Arbitraries.oneOf(inPlace, rebuilt);
    }

    @Property(tries = 2000, seed = "4715")
    void damagedVmcoreInfoText(@ForAll("vmcoreInfoEdits") Case c) {
        run(c);
        bothOutcomesSeen();
    }
}
