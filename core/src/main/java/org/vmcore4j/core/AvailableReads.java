package org.vmcore4j.core;

import java.io.IOException;
import java.util.Objects;

/**
 * The reads that report where and why they stopped instead of throwing: built on the throwing
 * reads, so both always agree on what a dump holds. The whole request is tried in one call first
 * (the common case costs nothing extra); only a read that fails is retried page by page to find the
 * first byte that cannot be read.
 */
final class AvailableReads {
    private AvailableReads() {
    }

    static ReadResult physical(PhysicalMemory memory, long paddr, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        try {
            memory.read(paddr, dst, off, len);
            return ReadResult.complete(paddr, len);
        } catch (MemoryAccessException | VmcoreFormatException e) {
            return physicalByPage(memory, paddr, dst, off, len);
        }
    }

    private static ReadResult physicalByPage(PhysicalMemory memory, long paddr, byte[] dst, int off, int len)
            throws IOException {
        int pageSize = memory.pageSize();
        int done = 0;
        while (done < len) {
            long at = paddr + done;
            int n = Math.min(len - done, pageSize - (int) (at & (pageSize - 1)));
            try {
                memory.read(at, dst, off + done, n);
            } catch (MemoryAccessException e) {
                return stoppedInside(memory, at, n, dst, off + done, done, ReadResult.Outcome.of(e.reason()),
                        e.address(), e.getMessage());
            } catch (VmcoreFormatException e) {
                return new ReadResult(done, ReadResult.Outcome.CORRUPT, at, e.getMessage());
            }
            done += n;
        }
        // every page read on its own (the one-call read failed on something no page has): the buffer is full
        return ReadResult.complete(paddr, len);
    }

    /**
     * A page's piece {@code [at, at+n)} failed at {@code failedAt}; where that lies inside the piece
     * (an ELF segment ending mid-page), the bytes before it are read too, so the count is exact.
     */
    private static ReadResult stoppedInside(PhysicalMemory memory, long at, int n, byte[] dst, int off, int done,
            ReadResult.Outcome outcome, long failedAt, String message) throws IOException {
        long prefix = failedAt - at;
        if (prefix > 0 && prefix < n) {
            try {
                memory.read(at, dst, off, (int) prefix);
                return new ReadResult(done + (int) prefix, outcome, failedAt, message);
            } catch (MemoryAccessException | VmcoreFormatException e) {
                // the prefix fails too: stop at the piece's start
            }
        }
        return new ReadResult(done, outcome, at, message);
    }

    static ReadResult kernelVirtual(KernelAddressSpace space, long vaddr, byte[] dst, int off, int len)
            throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        try {
            space.read(vaddr, dst, off, len);
            return ReadResult.complete(vaddr, len);
        } catch (MemoryAccessException | VmcoreFormatException e) {
            // found page by page below
        }
        PhysicalMemory memory = space.physicalMemory();
        int pageSize = memory.pageSize();
        int done = 0;
        while (done < len) {
            long at = vaddr + done;
            int n = Math.min(len - done, pageSize - (int) (at & (pageSize - 1)));
            long paddr;
            try {
                paddr = space.toPhysical(at);
            } catch (MemoryAccessException e) {
                return new ReadResult(done, ReadResult.Outcome.of(e.reason()), at, e.getMessage());
            } catch (VmcoreFormatException e) {
                return new ReadResult(done, ReadResult.Outcome.CORRUPT, at, e.getMessage());
            }
            ReadResult piece = physical(memory, paddr, dst, off + done, n);
            if (!piece.isComplete()) {
                return new ReadResult(done + piece.bytesRead(), piece.outcome(), at + piece.bytesRead(), piece.detail());
            }
            done += n;
        }
        return ReadResult.complete(vaddr, len);
    }
}
