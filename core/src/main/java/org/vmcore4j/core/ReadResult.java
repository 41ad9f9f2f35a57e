package org.vmcore4j.core;

import java.util.Locale;
import java.util.Objects;

/**
 * How a read that does not throw for missing memory went: how many bytes it read from the start of
 * the request, and why it stopped there. Returned by
 * {@link Vmcore#read(AddressSpace, long, byte[], int, int)},
 * {@link PhysicalMemory#readAvailable(long, byte[], int, int)} and
 * {@link KernelAddressSpace#readAvailable(long, byte[], int, int)}; an immutable value, safe to share.
 *
 * <p>The first {@link #bytesRead()} bytes of the caller's buffer hold the dump's bytes; the rest of
 * the requested range is unchanged or holds bytes of the page that stopped the read, and must be
 * ignored. A read stops at the first byte it cannot give, as libkdumpfile's {@code kdump_read}
 * reports a partial length with its status.
 *
 * @param bytesRead   bytes read, from the start of the request, before the read stopped
 * @param outcome     {@link Outcome#COMPLETE}, or why the byte at {@link #stopAddress()} could not be read
 * @param stopAddress the address (in the space that was read) one past the last byte read: the
 *                    first byte that could not be read, or the end of the request when complete
 * @param detail      what stopped the read, as the throwing read's exception message says it;
 *               empty when complete
 */
public record ReadResult(int bytesRead, Outcome outcome, long stopAddress, String detail) {

    /** Why a read stopped: it got everything, or the first missing byte's reason. */
    public enum Outcome {
        /** Every requested byte was read. */
        COMPLETE,
        /** The physical address is not RAM in the dump (a hole, or past its last frame). */
        NOT_RAM,
        /** The page was left out when the dump was filtered (a dump level such as {@code -d 31}). */
        EXCLUDED,
        /** The page belongs to an incomplete dump (disk full, size limit) and was never written. */
        LOST,
        /** The kernel virtual address has no translation in the crashed kernel's page tables. */
        NOT_MAPPED,
        /**
         * A whole-machine image holds the address, but as the capture kernel's memory, not the
         * crashed kernel's ({@link MemoryAccessException.Reason#CAPTURE_KERNEL_MEMORY}).
         */
        CAPTURE_KERNEL_MEMORY,
        /** The dump is damaged where the bytes are stored (a corrupt compressed page, a bad descriptor). */
        CORRUPT;

        /**
         * The outcome a {@link MemoryAccessException} of reason {@code reason} means.
         *
         * @param reason what is wrong or missing
         * @return the outcome a {@link MemoryAccessException} of reason {@code reason} means
         */
        public static Outcome of(MemoryAccessException.Reason reason) {
            return switch (reason) {
                case NOT_RAM -> NOT_RAM;
                case EXCLUDED -> EXCLUDED;
                case LOST -> LOST;
                case NOT_MAPPED -> NOT_MAPPED;
                case CAPTURE_KERNEL_MEMORY -> CAPTURE_KERNEL_MEMORY;
            };
        }
    }

    /**
     * Checks the components.
     *
     * @param bytesRead bytes read, from the start of the request, before the read stopped
     * @param outcome {@link Outcome#COMPLETE}, or why the byte at {@link #stopAddress()} could not be read
     * @param stopAddress the address (in the space that was read) one past the last byte read: the
     *                    first byte that could not be read, or the end of the request when
     *                    complete
     * @param detail what stopped the read, as the throwing read's exception message says it; empty
     *               when complete
     * @throws IllegalArgumentException if {@code bytesRead} is negative
     */
    public ReadResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        if (bytesRead < 0) {
            throw new IllegalArgumentException("negative bytesRead " + bytesRead);
        }
    }

    /**
     * A read of {@code length} bytes at {@code address} that got them all.
     *
     * @param address the address to read, in {@code space}
     * @param length the number of input bytes
     * @return a read of {@code length} bytes at {@code address} that got them all
     */
    public static ReadResult complete(long address, int length) {
        return new ReadResult(length, Outcome.COMPLETE, address + length, "");
    }

    /** {@return whether every requested byte was read} */
    public boolean isComplete() {
        return outcome == Outcome.COMPLETE;
    }

    @Override
    public String toString() {
        return isComplete() ? String.format(Locale.ROOT, "ReadResult[%d bytes, complete]", bytesRead)
                : String.format(Locale.ROOT, "ReadResult[%d bytes, stopped at 0x%x: %s, %s]", bytesRead, stopAddress,
                        outcome, detail);
    }
}
