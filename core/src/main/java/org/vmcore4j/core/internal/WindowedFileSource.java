package org.vmcore4j.core.internal;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vmcore4j.core.ChannelSource;
import org.vmcore4j.core.RandomAccessSource;

/**
 * A file read through one small mapped window per reading thread, the way makedumpfile reads
 * /proc/vmcore: each thread maps the aligned {@code 2^windowPower}-byte window around what it reads
 * and unmaps it when it moves on. A collector streams every dumpable page of a multi-GiB dump once;
 * positional reads would copy each byte twice (kernel to the JDK's direct buffer, then to the heap)
 * and a whole-file mapping would keep every page touched in the resident set. Here the kernel maps
 * the page-cache pages (no kernel copy) and at most one window per thread is resident.
 *
 * <p>Releasing a window: Java 17 has no public way to unmap. On Java 22 and later each window is
 * mapped into a shared {@code java.lang.foreign.Arena} (found reflectively, as this class is built for
 * Java 17) and closing the arena unmaps it; a read racing a close then fails with an exception instead
 * of touching unmapped memory. Before Java 22 a window is released with
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, as Lucene's MMapDirectory did before
 * Java 19), which Java 24 and later warn about on the console, hence the arenas there. Either way a
 * window is only read and replaced by the thread that mapped it, and {@link #close()} releases the
 * closing thread's window; with arenas it releases every thread's. Where neither is available, or
 * mapping fails (a pipe, a file the kernel cannot map), {@link #open} reads with pread instead.
 *
 * <p>A mapped page that cannot be brought in (SIGBUS, reported by the JVM as {@link InternalError}:
 * the file shrank, or a sparse file on a full tmpfs) is read again with pread, which needs no page to
 * be allocated.
 */
public final class WindowedFileSource implements RandomAccessSource {
    /** 4 MiB, makedumpfile's own mmap window (MAP_REGION): a few syscalls per 1,000 pages. */
    public static final int DEFAULT_WINDOW_POWER = 22;
    /** A page: reads no longer than this that miss the window move it at most to the next window. */
    static final int SMALL_READ = 4096;

    private static final Mapper MAPPER = Mapper.find();

    private final FileChannel channel;
    /** The same channel read with pread: reads off the stream, and pages a window cannot bring in. */
    private final ChannelSource pread;
    private final int windowPower;
    /** Each thread's window and where its last read ended. */
    private final ThreadLocal<Cursor> cursors = ThreadLocal.withInitial(Cursor::new);
    /** Every window still mapped, for {@link #close()} (arenas can be closed from any thread). */
    private final Set<Window> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private static final class Cursor {
        Window window;
        long lastEnd = -1;
    }

    private static final class Window {
        final long start;
        final ByteBuffer bytes;
        /** What releases the mapping: the arena on Java 22+, else the buffer itself. */
        final Object owner;

        Window(long start, ByteBuffer bytes, Object owner) {
            this.start = start;
            this.bytes = bytes;
            this.owner = owner;
        }

        boolean holds(long pos) {
            return pos >= start && pos - start < bytes.limit();
        }
    }

    private WindowedFileSource(FileChannel channel, ChannelSource pread, int windowPower) {
        this.channel = channel;
        this.pread = pread;
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
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ChannelSource pread = ChannelSource.of(ch, file.toString());
        if (MAPPER == null || pread.size() == 0) {
            return pread;
        }
        try {
            // one trial mapping: /proc files and pipes refuse it, and then every read would fail over
            MAPPER.release(MAPPER.map(ch, 0, Math.min(pread.size(), 4096)).owner);
        } catch (IOException | UnsupportedOperationException e) {
            return pread; // positional reads work on everything a FileChannel opens
        }
        return new WindowedFileSource(ch, pread, windowPower);
    }

    /** Whether windows can be released on this runtime (else {@link #open} returns a {@link ChannelSource}). */
    public static boolean canUnmap() {
        return MAPPER != null;
    }

    @Override
    public long size() {
        return pread.size();
    }

    @Override
    public String description() {
        return pread.description();
    }

    @Override
    public void read(long pos, byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkRange(pos, len);
        if (closed) {
            throw new IllegalStateException("source is closed: " + description());
        }
        Cursor cursor = cursors.get();
        long end = pos + len;
        try {
            readThrough(cursor, pos, dst, off, len);
        } finally {
            cursor.lastEnd = end;
        }
    }

    private void readThrough(Cursor cursor, long pos, byte[] dst, int off, int len) throws IOException {
        while (len > 0) {
            Window w = cursor.window;
            if (w != null && !w.holds(pos) && !streams(cursor, pos, len)) {
                // Not the stream going on: pointer chasing (page tables, lists, descriptors) or pages
                // read at random. Moving the window for each would map and unmap 4 MiB per read
                // (random 4 KiB pages: 0.2 GB/s against pread's 2.2, JMH MappedReadBenchmark), so these
                // are read with pread and the window stays where the stream is.
                pread.read(pos, dst, off, len);
                return;
            }
            try {
                w = windowAt(cursor, pos);
            } catch (IOException e) {
                // mapping failed (address space, a file that stopped supporting mmap): what remains
                // can still be read, as makedumpfile falls back to read() when mmap fails
                try {
                    pread.read(pos, dst, off, len);
                } catch (IOException readToo) {
                    readToo.addSuppressed(e);
                    throw readToo;
                }
                return;
            }
            int in = (int) (pos - w.start);
            int n = Math.min(len, w.bytes.limit() - in);
            try {
                w.bytes.get(in, dst, off, n);
            } catch (InternalError e) {
                pread.read(pos, dst, off, n);
            }
            pos += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Whether a read that misses the thread's window continues a stream, and so should move the
     * window: a read of more than a page, or a whole page that follows the thread's last read or lies
     * in the window right after the current one. Shorter reads never move it.
     */
    private boolean streams(Cursor cursor, long pos, int len) {
        Window w = cursor.window;
        return len > SMALL_READ || (len == SMALL_READ
                && (pos == cursor.lastEnd || (pos >= w.start && pos - w.start < 2L << windowPower)));
    }

    /** The calling thread's window holding {@code pos} (mapped now if it is not the current one). */
    private Window windowAt(Cursor cursor, long pos) throws IOException {
        Window w = cursor.window;
        if (w != null && w.holds(pos)) {
            return w;
        }
        long start = pos >>> windowPower << windowPower;
        long length = Math.min(1L << windowPower, size() - start);
        Window next;
        try {
            next = MAPPER.map(channel, start, length);
        } catch (IOException e) {
            throw new IOException("cannot map " + description() + " at " + start + " (" + length + " bytes): "
                    + e.getMessage(), e);
        }
        cursor.window = null;
        if (w != null) {
            release(w);
        }
        live.add(next);
        cursor.window = next;
        if (closed) { // a close() that ran meanwhile did not see this window
            cursor.window = null;
            release(next);
            throw new IllegalStateException("source is closed: " + description());
        }
        return next;
    }

    private void release(Window w) {
        if (live.remove(w)) {
            MAPPER.release(w.owner);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        Window w = cursors.get().window;
        cursors.remove();
        if (w != null) {
            release(w);
        }
        if (MAPPER.releasesFromAnyThread()) {
            for (Window other : live) {
                release(other);
            }
        }
        pread.close(); // the channel: mappings outlive it; windows left (Java < 22) go with the garbage collector
    }

    /** How windows are mapped and released on this runtime. */
    private abstract static class Mapper {
        abstract Window map(FileChannel channel, long start, long length) throws IOException;

        abstract void release(Object owner);

        abstract boolean releasesFromAnyThread();

        static Mapper find() {
            Mapper m = ArenaMapper.find();
            return m != null ? m : CleanerMapper.find();
        }
    }

    /** Java 22+: {@code FileChannel.map(mode, offset, size, Arena.ofShared())}, released by closing the arena. */
    private static final class ArenaMapper extends Mapper {
        private final SharedArenas arenas;

        private ArenaMapper(SharedArenas arenas) {
            this.arenas = arenas;
        }

        static Mapper find() {
            SharedArenas arenas = SharedArenas.orNull();
            return arenas == null ? null : new ArenaMapper(arenas);
        }

        @Override
        Window map(FileChannel channel, long start, long length) throws IOException {
            Object arena;
            try {
                arena = arenas.open();
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
            try {
                return new Window(start, arenas.asByteBuffer(arenas.map(channel, start, length, arena)), arena);
            } catch (IOException | RuntimeException | Error e) {
                release(arena);
                throw e;
            }
        }

        @Override
        void release(Object arena) {
            arenas.close(arena);
        }

        @Override
        boolean releasesFromAnyThread() {
            return true;
        }
    }

    /** Java 17-21: a plain mapping, released with {@code sun.misc.Unsafe.invokeCleaner}. */
    private static final class CleanerMapper extends Mapper {
        private final MethodHandle invokeCleaner;

        private CleanerMapper(MethodHandle invokeCleaner) {
            this.invokeCleaner = invokeCleaner;
        }

        static Mapper find() {
            try {
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field f = unsafeClass.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                Object unsafe = f.get(null);
                MethodHandle h = MethodHandles.lookup()
                        .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                        .bindTo(unsafe)
                        .asType(MethodType.methodType(void.class, Object.class));
                return new CleanerMapper(h);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        @Override
        Window map(FileChannel channel, long start, long length) throws IOException {
            ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
            return new Window(start, bytes, bytes);
        }

        @Override
        void release(Object buffer) {
            try {
                invokeCleaner.invokeExact(buffer);
            } catch (Throwable e) {
                // the window stays mapped until the garbage collector frees it: more resident memory, no error
            }
        }

        @Override
        boolean releasesFromAnyThread() {
            return false; // another thread may be reading it: left to the garbage collector
        }
    }

    @Override
    public String toString() {
        return "WindowedFileSource(" + description() + ", " + size() + " bytes, 2^" + windowPower + " windows per thread)";
    }
}
