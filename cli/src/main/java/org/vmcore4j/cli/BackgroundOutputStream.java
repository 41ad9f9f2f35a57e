package org.vmcore4j.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An output stream that fills buffers and hands each full one to a thread of its own, which writes
 * it to the target, so that the caller goes on while a pipe drains.
 *
 * <p>The flattened dump ({@code -F}) goes to standard output, a pipe to {@code ssh}. A write into a
 * pipe blocks until its reader has taken all but the pipe's 64 KiB, and a collector that blocks there
 * stops feeding its compression workers: on two CPUs, writing the kernel-heavy dump's {@code -F}
 * stream to {@code cat} left a quarter of the CPU time idle (benchmarks/PERFORMANCE.md, session 8).
 *
 * <p>Memory stays bounded: at most {@code depth} buffers are waiting or being written, and the
 * caller waits for the oldest when it fills one more. A failed write fails the caller's next write,
 * flush or close with the target's {@link IOException}; buffers still queued are then not written.
 * Not for use by several threads at once.
 */
final class BackgroundOutputStream extends OutputStream {
    private final OutputStream target;
    private final int bufferSize;
    private final int depth;
    private final ExecutorService writer;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    private byte[] buffer;
    private int count;
    private boolean closed;

    private record Pending(byte[] buffer, Future<?> written) {
    }

    /**
     * @param target where the bytes go, written by the stream's own thread only
     * @param bufferSize bytes per buffer
     * @param depth buffers that may wait or be written at once
     * @param threadName the writing thread's name
     */
    BackgroundOutputStream(OutputStream target, int bufferSize, int depth, String threadName) {
        if (bufferSize <= 0 || depth <= 0) {
            throw new IllegalArgumentException("bufferSize " + bufferSize + ", depth " + depth);
        }
        this.target = Objects.requireNonNull(target);
        this.bufferSize = bufferSize;
        this.depth = depth;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            if (buffer == null) {
                buffer = spare.isEmpty() ? new byte[bufferSize] : spare.poll();
            }
            int n = Math.min(len, buffer.length - count);
            System.arraycopy(b, off, buffer, count, n);
            count += n;
            off += n;
            len -= n;
            if (count == buffer.length) {
                handOff();
            }
        }
    }

    /** Writes every byte given so far, then flushes the target; returns when that is done. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (count > 0) {
            handOff();
        }
        while (!pending.isEmpty()) {
            awaitOldest();
        }
        target.flush();
    }

    /** Flushes, stops the thread and closes the target; the thread stops even when the flush fails. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            writer.shutdownNow();
            target.close();
        }
    }

    private void handOff() throws IOException {
        if (pending.size() >= depth) {
            awaitOldest();
        }
        byte[] full = buffer;
        int length = count;
        buffer = null;
        count = 0;
        pending.add(new Pending(full, writer.submit(() -> {
            try {
                target.write(full, 0, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })));
    }

    private void awaitOldest() throws IOException {
        Pending oldest = pending.poll();
        try {
            oldest.written().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        } catch (ExecutionException e) {
            // the target failed: what is still queued goes nowhere either
            pending.forEach(p -> p.written().cancel(false));
            pending.clear();
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException(cause);
        }
        spare.add(oldest.buffer());
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }
}
