package org.vmcore4j.core;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A file read through one small mapped window per reading thread, the way makedumpfile reads
 * /proc/vmcore: each thread maps the aligned {@code 2^windowPower}-byte window around what it reads
 * and unmaps it when it moves on. A collector streams every dumpable page of a multi-GiB dump once;
 * positional reads would copy each byte twice (kernel to the JDK's direct buffer, then to the heap)
 * and a whole-file mapping would keep every page touched in the resident set. Here the kernel maps
 * the page-cache pages (no kernel copy) and at most one window per thread is resident.
 *
 * <p>Safety: Java 17 has no public way to unmap, so windows are released with
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, as Lucene's MMapDirectory did before
 * Java 19). A window is only ever read and unmapped by the thread that mapped it, so no thread can
 * touch an unmapped window. {@link #close()} releases the closing thread's window; the windows of
 * other threads, at most one each, are left to the garbage collector. Where that unmapper is missing,
 * or mapping fails (a pipe, a file the kernel cannot map), {@link #open} reads with pread instead.
 *
 * <p>A mapped page that cannot be brought in (SIGBUS, reported by the JVM as {@link InternalError}:
 * the file shrank, or a sparse file on a full tmpfs) is read again with pread, which needs no page to
 * be allocated.
 */
public final class WindowedFileSource implements RandomAccessSource {
    /** 4 MiB, makedumpfile's own mmap window (MAP_REGION): a few syscalls per 1,000 pages. */
    public static final int DEFAULT_WINDOW_POWER = 22;

    private static final MethodHandle UNMAP = findUnmapper();

    private final FileChannel channel;
    private final String description;
    private final long size;
    private final int windowPower;
    private final ThreadLocal<Window> windows = new ThreadLocal<>();
    private volatile boolean closed;

    private static final class Window {
        final long start;
        final ByteBuffer bytes;

        Window(long start, ByteBuffer bytes) {
            this.start = start;
            this.bytes = bytes;
        }
    }

    private WindowedFileSource(FileChannel channel, String description, long size, int windowPower) {
        this.channel = channel;
        this.description = description;
        this.size = size;
        this.windowPower = windowPower;
    }

    /**
     * Opens {@code file} for streaming reads: windows of {@code 2^windowPower} bytes
     * ({@code 12 <= windowPower <= 30}) where the file can be mapped and unmapped, else a
     * {@link ChannelSource}.
     */
    public static RandomAccessSource open(Path file, int windowPower) throws IOException {
        if (windowPower < 12 || windowPower > MappedFileSource.MAX_CHUNK_POWER) {
            throw new IllegalArgumentException("windowPower must be in [12, 30]: " + windowPower);
        }
        if (UNMAP == null) {
            return ChannelSource.open(file);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size > 0) {
                // one trial mapping: /proc files and pipes refuse it, and then every read would fail over
                ByteBuffer probe = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, 4096));
                unmap(probe);
                return new WindowedFileSource(ch, file.toString(), size, windowPower);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // fall through to positional reads, which work on everything a FileChannel opens
        }
        ch.close();
        return ChannelSource.open(file);
    }

    /** Whether windows can be released on this runtime (else {@link #open} returns a {@link ChannelSource}). */
    public static boolean canUnmap() {
        return UNMAP != null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkRange(pos, len);
        if (closed) {
            throw new IllegalStateException("source is closed: " + description);
        }
        while (len > 0) {
            Window w = windowAt(pos);
            int in = (int) (pos - w.start);
            int n = Math.min(len, w.bytes.limit() - in);
            try {
                w.bytes.get(in, dst, off, n);
            } catch (InternalError e) {
                preadFully(pos, ByteBuffer.wrap(dst, off, n));
            }
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** The calling thread's window holding {@code pos} (mapped now if it is not the current one). */
    private Window windowAt(long pos) throws IOException {
        Window w = windows.get();
        if (w != null && pos >= w.start && pos - w.start < w.bytes.limit()) {
            return w;
        }
        long start = pos >>> windowPower << windowPower;
        long length = Math.min(1L << windowPower, size - start);
        ByteBuffer mapped;
        try {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
        } catch (IOException e) {
            throw new IOException("cannot map " + description + " at " + start + " (" + length + " bytes): "
                    + e.getMessage(), e);
        }
        windows.set(null);
        if (w != null) {
            unmap(w.bytes);
        }
        Window next = new Window(start, mapped);
        windows.set(next);
        return next;
    }

    private void preadFully(long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new EOFException("read past EOF: " + description + " at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        Window w = windows.get();
        windows.remove();
        if (w != null) {
            unmap(w.bytes);
        }
        channel.close(); // mappings outlive the descriptor; other threads' windows stay valid until collected
    }

    private static void unmap(ByteBuffer mapped) {
        try {
            UNMAP.invokeExact(mapped);
        } catch (Throwable e) {
            // the window stays mapped until the garbage collector frees it: more resident memory, no error
        }
    }

    /** {@code sun.misc.Unsafe.invokeCleaner} bound to the instance, or null where the runtime hides it. */
    private static MethodHandle findUnmapper() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "WindowedFileSource(" + description + ", " + size + " bytes, 2^" + windowPower + " windows per thread)";
    }
}
