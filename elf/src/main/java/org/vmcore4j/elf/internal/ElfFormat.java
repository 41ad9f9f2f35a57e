package org.vmcore4j.elf.internal;

import org.vmcore4j.elf.ElfVmcore;

import org.vmcore4j.elf.ElfFile;

import java.io.IOException;
import java.nio.ByteOrder;
import org.vmcore4j.core.OpenOptions;
import org.vmcore4j.core.RandomAccessSource;
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.core.VmcoreFormat;

/**
 * The ELF core format for {@link Vmcore#open}: recognises files that start with the ELF magic, a
 * valid class and data encoding, and {@code e_type == ET_CORE}; opens them as {@link ElfVmcore}.
 * Registered as a {@link java.util.ServiceLoader} provider.
 */
public final class ElfFormat implements VmcoreFormat {
    public static final String NAME = "elf";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean probe(RandomAccessSource source) throws IOException {
        if (source.size() < 18 || !ElfFile.hasElfIdent(source)) {
            return false;
        }
        ByteOrder order = source.readByte(5) == ElfHeader.ELFDATA2LSB ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        return (source.readShort(16, order) & 0xffff) == ElfHeader.ET_CORE;
    }

    @Override
    public Vmcore open(RandomAccessSource source, OpenOptions options) throws IOException {
        return ElfVmcore.open(source, options.architecture());
    }
}
