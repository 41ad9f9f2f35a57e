package org.vmcore4j.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The crashed kernel's virtual address space: translation of kernel virtual addresses to physical
 * ones (from VMCOREINFO and the dump's own page tables) and reads through it.
 *
 * <p>Translation failures throw {@link MemoryAccessException} with {@link MemoryAccessException.Reason#NOT_MAPPED};
 * reads of translated addresses fail as {@link PhysicalMemory#read} does. Thread-safe.
 */
public interface KernelAddressSpace {

    /** {@return the physical memory this space translates into} */
    PhysicalMemory physicalMemory();

    /** {@return the byte order}. Byte order of the crashed machine. */
    ByteOrder byteOrder();

    /** {@return size of a kernel pointer in bytes (8 on 64-bit kernels)} */
    int pointerSize();

    /**
     * The page the kernel's own page tables map {@code vaddr} into, found by a full walk (no cache,
     * no arithmetic shortcut for the kernel image): for diagnostics, cross-checks and callers that
     * need the mapping's size (how the vmemmap is mapped).
     *
     * @param vaddr a kernel virtual address
     * @return the page the kernel's own page tables map {@code vaddr} into, found by a full walk
     *         (no cache, no arithmetic shortcut for the kernel image): for diagnostics,
     *         cross-checks and callers that need the mapping's size (how the vmemmap is mapped)
     * @throws org.vmcore4j.core.arch.UnmappedAddressException if an entry on the path is not present
     *                                                         or its table is not in the dump
     * @throws UnsupportedDumpException                       where this address space has no page-table walk
     */
    default PageTranslation walkPageTables(long vaddr) throws IOException {
        throw new UnsupportedDumpException(physicalMemory().toString(), UnsupportedDumpException.Kind.ARCHITECTURE,
                "this kernel address space translates without walking page tables");
    }

    /** One page as the page tables map it: {@code size} bytes (4 KiB, 2 MiB, 1 GiB...) at {@code virtualBase}. */
    record PageTranslation(long virtualBase, long physicalBase, long size) {
    }

    /**
     * The physical address of kernel virtual address {@code vaddr}.
     *
     * @param vaddr a kernel virtual address
     * @return the physical address of kernel virtual address {@code vaddr}
     * @throws IOException if reading or writing fails
     */
    long toPhysical(long vaddr) throws IOException;

    /**
     * Reads {@code len} bytes at kernel virtual address {@code vaddr}, translating page by page.
     *
     * @param vaddr a kernel virtual address
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @throws IOException if reading or writing fails
     */
    default void read(long vaddr, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        int pageSize = physicalMemory().pageSize();
        while (len > 0) {
            int inPage = (int) (vaddr & (pageSize - 1));
            int n = Math.min(len, pageSize - inPage);
            physicalMemory().read(toPhysical(vaddr), dst, off, n);
            vaddr += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Reads up to {@code len} bytes at kernel virtual address {@code vaddr} and says how far it got:
     * where {@link #read} would throw, this returns the bytes read before the first byte it cannot
     * give and why (not mapped, not RAM, excluded, lost, corrupt), with the virtual address it
     * stopped at. Both reads agree on every byte.
     *
     * @param vaddr a kernel virtual address
     * @param dst the buffer the bytes go to
     * @param off where in the buffer the first byte goes
     * @param len how many bytes
     * @return the value read
     * @throws IOException if reading the file itself fails (an I/O error, a closed dump)
     */
    default ReadResult readAvailable(long vaddr, byte[] dst, int off, int len) throws IOException {
        return AvailableReads.kernelVirtual(this, vaddr, dst, off, len);
    }

    /**
     * Reads the byte at kernel virtual address {@code vaddr}.
     *
     * @param vaddr a kernel virtual address
     * @return the byte
     * @throws IOException as {@link #read} does
     */
    default byte readByte(long vaddr) throws IOException {
        byte[] b = new byte[1];
        read(vaddr, b, 0, 1);
        return b[0];
    }

    /**
     * Reads the 2-byte value at {@code vaddr} in the crashed machine's byte order.
     *
     * @param vaddr a kernel virtual address
     * @return the value
     * @throws IOException as {@link #read} does
     */
    default short readShort(long vaddr) throws IOException {
        byte[] b = new byte[2];
        read(vaddr, b, 0, 2);
        return ByteBuffer.wrap(b).order(byteOrder()).getShort();
    }

    /**
     * Reads the 4-byte value at {@code vaddr} in the crashed machine's byte order.
     *
     * @param vaddr a kernel virtual address
     * @return the value
     * @throws IOException as {@link #read} does
     */
    default int readInt(long vaddr) throws IOException {
        byte[] b = new byte[4];
        read(vaddr, b, 0, 4);
        return ByteBuffer.wrap(b).order(byteOrder()).getInt();
    }

    /**
     * Reads the 8-byte value at {@code vaddr} in the crashed machine's byte order.
     *
     * @param vaddr a kernel virtual address
     * @return the value
     * @throws IOException as {@link #read} does
     */
    default long readLong(long vaddr) throws IOException {
        byte[] b = new byte[8];
        read(vaddr, b, 0, 8);
        return ByteBuffer.wrap(b).order(byteOrder()).getLong();
    }

    /**
     * Reads a pointer-sized unsigned value (zero-extended on 32-bit kernels).
     *
     * @param vaddr a kernel virtual address
     * @return the value read
     * @throws IOException if reading or writing fails
     */
    default long readPointer(long vaddr) throws IOException {
        return pointerSize() == 8 ? readLong(vaddr) : Integer.toUnsignedLong(readInt(vaddr));
    }

    /**
     * Reads a NUL-terminated string of at most {@code maxLen} bytes (ISO-8859-1).
     *
     * @param vaddr a kernel virtual address
     * @param maxLen the max len
     * @return the value read
     * @throws IOException if reading or writing fails
     */
    default String readCString(long vaddr, int maxLen) throws IOException {
        byte[] b = new byte[maxLen];
        read(vaddr, b, 0, maxLen);
        int n = 0;
        while (n < maxLen && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }
}
