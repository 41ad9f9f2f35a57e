package org.vmcore4j.core.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Java 22's shared memory arenas ({@code java.lang.foreign.Arena.ofShared()}) and the segments they
 * hold, reached through method handles found once, because the library is compiled for Java 17:
 * {@link WindowedFileSource} maps its windows into them and the native LZO encoder allocates its
 * buffers from them. Arenas and segments are passed as {@code Object}. Closing an arena frees (or
 * unmaps) what it holds, from any thread.
 */
public final class SharedArenas {
    private static final SharedArenas INSTANCE = Runtime.version().feature() >= 22 ? find() : null;

    private final MethodHandle ofShared;
    private final MethodHandle allocate;
    private final MethodHandle address;
    private final MethodHandle asByteBuffer;
    private final MethodHandle mapInto;
    private final MethodHandle close;

    private SharedArenas(MethodHandle ofShared, MethodHandle allocate, MethodHandle address,
            MethodHandle asByteBuffer, MethodHandle mapInto, MethodHandle close) {
        this.ofShared = ofShared;
        this.allocate = allocate;
        this.address = address;
        this.asByteBuffer = asByteBuffer;
        this.mapInto = mapInto;
        this.close = close;
    }

    /** {@return the arenas of this runtime, or null before Java 22} */
    public static SharedArenas orNull() {
        return INSTANCE;
    }

    private static SharedArenas find() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandle ofShared = lookup.findStatic(arena, "ofShared", MethodType.methodType(arena))
                    .asType(MethodType.methodType(Object.class));
            MethodHandle allocate = lookup.findVirtual(arena, "allocate",
                            MethodType.methodType(segment, long.class, long.class))
                    .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class));
            MethodHandle address = lookup.findVirtual(segment, "address", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
            MethodHandle asByteBuffer = lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                    .asType(MethodType.methodType(ByteBuffer.class, Object.class));
            MethodHandle mapInto = lookup.findVirtual(FileChannel.class, "map",
                            MethodType.methodType(segment, FileChannel.MapMode.class, long.class, long.class, arena))
                    .asType(MethodType.methodType(Object.class, FileChannel.class, FileChannel.MapMode.class,
                            long.class, long.class, Object.class));
            MethodHandle close = lookup.findVirtual(arena, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            return new SharedArenas(ofShared, allocate, address, asByteBuffer, mapInto, close);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A new shared arena.
     *
     * @return the arena
     * @throws IllegalStateException if it cannot be made
     */
    public Object open() {
        try {
            return (Object) ofShared.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a memory arena: " + e, e);
        }
    }

    /**
     * {@code bytes} of zeroed native memory from {@code arena}.
     *
     * @param arena an arena of {@link #open()}
     * @param bytes how many bytes
     * @param alignment their alignment, a power of two
     * @return the segment
     * @throws IllegalStateException if the memory cannot be had
     */
    public Object allocate(Object arena, long bytes, long alignment) {
        try {
            return (Object) allocate.invokeExact(arena, bytes, alignment);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot allocate " + bytes + " bytes of native memory: " + e, e);
        }
    }

    /**
     * Maps {@code length} bytes of {@code channel} from {@code start}, read-only, into {@code arena}.
     *
     * @param channel the file
     * @param start the first byte
     * @param length how many bytes
     * @param arena an arena of {@link #open()}, which unmaps them when closed
     * @return the mapped segment
     * @throws IOException if the file cannot be mapped
     */
    public Object map(FileChannel channel, long start, long length, Object arena) throws IOException {
        try {
            return (Object) mapInto.invokeExact(channel, FileChannel.MapMode.READ_ONLY, start, length, arena);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /**
     * The native address of {@code segment}.
     *
     * @param segment a segment
     * @return its address
     */
    public long address(Object segment) {
        try {
            return (long) address.invokeExact(segment);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A buffer over {@code segment}, valid while its arena is open.
     *
     * @param segment a segment
     * @return the buffer
     */
    public ByteBuffer asByteBuffer(Object segment) {
        try {
            return (ByteBuffer) asByteBuffer.invokeExact(segment);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Closes {@code arena}, freeing or unmapping what it holds; an arena already closed stays so.
     *
     * @param arena an arena of {@link #open()}
     */
    public void close(Object arena) {
        try {
            close.invokeExact(arena);
        } catch (Throwable e) {
            // already closed: nothing left to release
        }
    }
}
