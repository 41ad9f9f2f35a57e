package org.vmcore4j.elf;

import org.vmcore4j.elf.internal.ElfHeader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vmcore4j.core.ByteArraySource;
import org.vmcore4j.core.DumpSink;
import org.vmcore4j.core.OutputLimitException;

/** {@link ElfDumpWriter} alone: layout, both classes and byte orders, extended numbering, incomplete dumps. */
class ElfDumpWriterTest {

    /** An in-memory file. */
    static final class MemorySink implements DumpSink {
        byte[] bytes = new byte[0];
        int size;
        long limit = Long.MAX_VALUE;
        boolean rewrite = true;

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            long end = offset + src.remaining();
            long stop = Math.min(end, limit);
            if (stop > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.max(stop, 2L * bytes.length));
            }
            int n = (int) Math.max(0, stop - offset);
            src.get(bytes, (int) offset, n);
            size = (int) Math.max(size, offset + n);
            if (end > limit) {
                throw new OutputLimitException("memory", limit);
            }
        }

        byte[] content() {
            return Arrays.copyOf(bytes, size);
        }

        @Override
        public boolean canRewrite() {
            return rewrite;
        }

        @Override
        public long bytesWritten() {
            return size;
        }

        @Override
        public String description() {
            return "memory";
        }

        @Override
        public void close() {
        }
    }

    static final byte[] NOTES = {5, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 'T', 'E', 'S', 'T', 0, 0, 0, 0, 1, 2, 3, 4};

    static ElfDumpWriter.Phdr note(int size) {
        return new ElfDumpWriter.Phdr(ProgramHeader.PT_NOTE, 0, 0, 0, 0, size, size, 0);
    }

    static ElfDumpWriter.SegmentData pattern(int seed) {
        return (pos, dst, off, len) -> {
            for (int i = 0; i < len; i++) {
                dst[off + i] = (byte) (seed + pos + i);
            }
        };
    }

    @Test
    void layoutInEveryClassAndByteOrder() throws IOException {
        for (boolean is64 : new boolean[] {true, false}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                MemorySink sink = new MemorySink();
                byte[] notes = NOTES.clone();
                if (order == ByteOrder.BIG_ENDIAN) {
                    notes = new byte[] {0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 9, 'T', 'E', 'S', 'T', 0, 0, 0, 0, 1, 2, 3, 4};
                }
                ElfDumpWriter w = ElfDumpWriter.create(sink, ElfDumpWriter.newFileHeader(is64, order, 62),
                        note(notes.length), notes, 3);
                w.begin();
                int ehsz = is64 ? 64 : 52;
                int phsz = is64 ? 56 : 32;
                assertEquals(ehsz + 4L * phsz + notes.length, w.dataStart());
                w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0x1000, 0x1000, 100, 0x3000, 0),
                        pattern(1));
                w.writeLoad(new ElfDumpWriter.Phdr(1, 7, 0, 0x4000, 0x4000, 0, 0x1000, 0), pattern(2));
                w.writeLoad(new ElfDumpWriter.Phdr(1, 6, w.nextDataOffset(), 0x5000, 0x5000, 5000, 5000, 0x1000),
                        pattern(3));
                w.finish();
                byte[] file = sink.content();
                assertEquals(w.dataStart() + 5100, file.length);
                ElfFile elf = ElfFile.read(new ByteArraySource(file, "out"));
                String ctx = (is64 ? "ELF64 " : "ELF32 ") + order;
                assertEquals(is64, elf.header().is64(), ctx);
                assertEquals(order, elf.header().byteOrder(), ctx);
                assertEquals(4, elf.header().programHeaderCount(), ctx);
                assertEquals(ProgramHeader.PT_NOTE, elf.programHeaders().get(0).type());
                assertEquals(ehsz + 4L * phsz, elf.programHeaders().get(0).offset(), ctx);
                assertEquals(1, elf.notes().size(), ctx);
                assertEquals("TEST", elf.notes().get(0).name());
                ProgramHeader a = elf.loads().get(0);
                ProgramHeader b = elf.loads().get(1);
                ProgramHeader c = elf.loads().get(2);
                assertEquals(w.dataStart(), a.offset());
                assertEquals(100, a.filesz());
                assertEquals(0x3000, a.memsz());
                assertEquals(0, b.offset());
                assertEquals(w.dataStart() + 100, c.offset());
                assertEquals(6, c.flags());
                assertEquals(0x1000, c.align());
                assertEquals((byte) (3 + 4999), file[(int) c.offset() + 4999]);
                assertEquals(0, elf.flags());
            }
        }
    }

    @Test
    void extendedNumberingFrom65535ProgramHeaders() throws IOException {
        for (long loads : new long[] {65533, 65534, 70000}) {
            MemorySink sink = new MemorySink();
            ElfDumpWriter w = ElfDumpWriter.create(sink,
                    ElfDumpWriter.newFileHeader(true, ByteOrder.LITTLE_ENDIAN, 62), note(NOTES.length), NOTES, loads);
            w.begin();
            for (long i = 0; i < loads; i++) {
                w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0, i * 4096, 8, 4096, 0), pattern(0));
            }
            w.finish();
            byte[] file = sink.content();
            ElfFile elf = ElfFile.read(new ByteArraySource(file, "out"));
            long phnum = loads + 1;
            assertEquals(phnum, elf.header().programHeaderCount());
            boolean extended = phnum >= ElfHeader.PN_XNUM;
            assertEquals(extended ? ElfHeader.PN_XNUM : phnum, elf.header().phnumField());
            long table = 64 + phnum * 56;
            // the section header sits after the table and the notes follow it
            assertEquals(extended ? table : 0, elf.header().shoff());
            assertEquals(table + (extended ? 64 : 0), elf.programHeaders().get(0).offset());
            if (extended) {
                ByteBuffer sh = ByteBuffer.wrap(file, (int) table, 64).slice().order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(0, sh.getInt(4), "SHT_NULL");
                assertEquals(1, sh.getLong(32), "sh_size = e_shnum");
                assertEquals(phnum, sh.getInt(44), "sh_info");
                assertEquals(1, elf.header().shnumField());
                assertEquals(64, elf.header().shentsize());
            }
            assertEquals(loads, elf.loads().size());
        }
    }

    @Test
    void elf32CannotNumberMoreThan65535() {
        assertThrows(IOException.class, () -> ElfDumpWriter.create(new MemorySink(),
                ElfDumpWriter.newFileHeader(false, ByteOrder.LITTLE_ENDIAN, 3), note(0), new byte[0], 65535));
    }

    @Test
    void inputHeaderIsCopiedButForPhoffPhnumAndFlags() throws IOException {
        byte[] h = ElfDumpWriter.newFileHeader(true, ByteOrder.LITTLE_ENDIAN, 62);
        h[9] = 0x42; // e_ident padding
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(48, 0x80).putLong(24, 0x1234);
        MemorySink sink = new MemorySink();
        ElfDumpWriter w = ElfDumpWriter.create(sink, h, note(NOTES.length), NOTES, 1);
        w.begin();
        w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0, 0, 16, 16, 0), pattern(0));
        w.finish();
        byte[] out = Arrays.copyOf(sink.content(), 64);
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 2);
        assertArrayEquals(h, out);
    }

    @Test
    void failureMarksIncomplete() throws IOException {
        for (long limit : new long[] {100, 300, 5000}) {
            MemorySink sink = new MemorySink();
            sink.limit = limit;
            ElfDumpWriter w = ElfDumpWriter.create(sink,
                    ElfDumpWriter.newFileHeader(true, ByteOrder.LITTLE_ENDIAN, 62), note(NOTES.length), NOTES, 2);
            assertThrows(OutputLimitException.class, () -> {
                w.begin();
                w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0, 0, 4096, 4096, 0), pattern(0));
                w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0, 4096, 4096, 4096, 0), pattern(0));
                w.finish();
            });
            assertTrue(w.markIncomplete());
            byte[] file = sink.content();
            assertEquals(ElfDumpWriter.DUMP_ELF_INCOMPLETE, ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(48));
            if (limit > 300) {
                ElfFile elf = ElfFile.read(new ByteArraySource(file, "out"));
                assertEquals(2, elf.loads().size(), "both headers written: their data was begun");
                assertEquals(4096, elf.availableFileBytes(elf.loads().get(0)));
                assertTrue(elf.availableFileBytes(elf.loads().get(1)) < 4096);
            }
        }
        MemorySink stream = new MemorySink();
        stream.rewrite = false;
        stream.limit = 5000;
        ElfDumpWriter w = ElfDumpWriter.create(stream,
                ElfDumpWriter.newFileHeader(true, ByteOrder.LITTLE_ENDIAN, 62), note(NOTES.length), NOTES, 1);
        assertThrows(OutputLimitException.class, () -> {
            w.begin();
            w.writeLoad(new ElfDumpWriter.Phdr(1, 7, w.nextDataOffset(), 0, 0, 8192, 8192, 0), pattern(0));
        });
        assertFalse(w.markIncomplete(), "a stream cannot be flagged");
    }
}
