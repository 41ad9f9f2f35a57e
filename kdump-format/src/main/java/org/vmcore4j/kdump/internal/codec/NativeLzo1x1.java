package org.vmcore4j.kdump.internal.codec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import org.vmcore4j.core.internal.SharedArenas;

/**
 * liblzo2's own {@code lzo1x_1_compress}, the function makedumpfile {@code -l} calls, reached through
 * the foreign function interface of Java 22 and later. Where it is available its output is
 * makedumpfile's by definition, and it runs at C speed; {@link Lzo1x1Compressor}, the pure-Java
 * encoder with the same output, stays the fallback on Java 17-21, without the library, or where
 * native access is not enabled for this code.
 *
 * <p>This class is compiled for Java 17, so it finds the foreign function API reflectively, once.
 * Pointers are passed as 64-bit integers: on the LP64 platforms the collector runs on (x86_64,
 * arm64) a pointer and {@code lzo_uint} ({@code unsigned long}) are both passed as 64-bit integers.
 *
 * <p>It is used only when all of these hold, else {@link #unavailableReason()} says which failed:
 * <ul>
 * <li>the runtime is Java 22 or later;
 * <li>native access is enabled for this module (an executable jar's {@code Enable-Native-Access}
 *     manifest entry, or {@code --enable-native-access}), so that using it prints no warning;
 * <li>{@code liblzo2.so.2} loads and has {@code lzo1x_1_compress};
 * <li>a fixed sample compresses to exactly what {@link Lzo1x1Compressor} writes, so a library with
 *     other output is never used.
 * </ul>
 *
 * <p>Not thread-safe: one instance per thread. Each owns its native buffers (the page in, the
 * stream out, the output length, the 128 KiB dictionary) until {@link #close()}.
 */
final class NativeLzo1x1 implements AutoCloseable {
    static final String LIBRARY = "liblzo2.so.2";
    /** LZO1X_1_MEM_COMPRESS of lzo1x.h: 16384 dictionary entries, each at most a pointer wide. */
    private static final long WORK_MEMORY = 16384L * Long.BYTES;
    /** liblzo2's LZO_E_OK. */
    private static final int LZO_E_OK = 0;

    private static final Binding BINDING;
    private static final String UNAVAILABLE;

    static {
        Binding binding = null;
        String reason;
        try {
            binding = Binding.find();
            reason = selfCheck(binding);
        } catch (UnavailableException e) {
            reason = e.getMessage();
        }
        BINDING = reason == null ? binding : null;
        UNAVAILABLE = reason;
    }

    private final Binding binding;
    private final Object arena;
    private final int capacity;
    private final ByteBuffer in;
    private final ByteBuffer out;
    private final ByteBuffer outLength;
    private final long inAddress;
    private final long outAddress;
    private final long outLengthAddress;
    private final long workAddress;

    private NativeLzo1x1(Binding binding, int capacity) {
        SharedArenas arenas = binding.arenas;
        this.binding = binding;
        this.capacity = capacity;
        this.arena = arenas.open();
        try {
            Object inSegment = arenas.allocate(arena, capacity, 16);
            Object outSegment = arenas.allocate(arena, Lzo1x1Compressor.maxCompressedLength(capacity), 16);
            Object lengthSegment = arenas.allocate(arena, Long.BYTES, Long.BYTES);
            Object workSegment = arenas.allocate(arena, WORK_MEMORY, 16);
            in = arenas.asByteBuffer(inSegment);
            out = arenas.asByteBuffer(outSegment);
            outLength = arenas.asByteBuffer(lengthSegment).order(ByteOrder.nativeOrder());
            inAddress = arenas.address(inSegment);
            outAddress = arenas.address(outSegment);
            outLengthAddress = arenas.address(lengthSegment);
            workAddress = arenas.address(workSegment);
        } catch (RuntimeException | Error e) {
            arenas.close(arena);
            throw e;
        }
    }

    /**
     * A native encoder for inputs of up to {@code capacity} bytes, or null where liblzo2 cannot be
     * used ({@link #unavailableReason()} says why).
     *
     * @param capacity the largest input, in bytes
     * @return a native encoder, or null
     */
    static NativeLzo1x1 openOrNull(int capacity) {
        return BINDING == null ? null : new NativeLzo1x1(BINDING, capacity);
    }

    /** {@return null when liblzo2 is used, else why not} */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** {@return the largest input, in bytes} */
    int capacity() {
        return capacity;
    }

    /**
     * Compresses {@code src[srcOff..srcOff+length)} as {@link Lzo1x1Compressor#compress} does, with
     * the same output.
     *
     * @param src the input bytes
     * @param srcOff where the input starts in {@code src}
     * @param length the number of input bytes, at most {@link #capacity()}
     * @param dst the buffer the bytes go to
     * @param dstOff where the output starts in {@code dst}
     * @param dstCapacity room for the output in {@code dst}, in bytes
     * @return the compressed length, or -1 if it would exceed {@code dstCapacity}
     */
    int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int dstCapacity) {
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, dstCapacity, dst.length);
        if (length > capacity) {
            throw new IllegalArgumentException(length + " bytes exceed this encoder's " + capacity);
        }
        in.put(0, src, srcOff, length);
        int status;
        try {
            status = (int) binding.compress.invokeExact(inAddress, (long) length, outAddress, outLengthAddress, workAddress);
        } catch (Throwable e) {
            throw new IllegalStateException("lzo1x_1_compress failed to run: " + e, e);
        }
        if (status != LZO_E_OK) {
            // lzo1x_1_compress has no failure but a bad build; never reached with a sound library
            throw new IllegalStateException("lzo1x_1_compress returned " + status);
        }
        long n = outLength.getLong(0);
        if (n < 0 || n > Lzo1x1Compressor.maxCompressedLength(length)) {
            throw new IllegalStateException("lzo1x_1_compress reported " + n + " bytes for " + length);
        }
        if (n > dstCapacity) {
            return -1;
        }
        out.get(0, dst, dstOff, (int) n);
        return (int) n;
    }

    @Override
    public void close() {
        binding.arenas.close(arena);
    }

    /**
     * Compresses a fixed sample with both encoders.
     *
     * @return null if their outputs agree, else what differs
     */
    private static String selfCheck(Binding binding) {
        byte[] sample = selfCheckSample();
        byte[] expected = new byte[Lzo1x1Compressor.maxCompressedLength(sample.length)];
        int expectedLength = new Lzo1x1Compressor().compress(sample, 0, sample.length, expected, 0, expected.length);
        byte[] actual = new byte[expected.length];
        int actualLength;
        try (NativeLzo1x1 encoder = new NativeLzo1x1(binding, sample.length)) {
            actualLength = encoder.compress(sample, 0, sample.length, actual, 0, actual.length);
        } catch (RuntimeException e) {
            return LIBRARY + " failed its check: " + e;
        }
        if (!Arrays.equals(expected, 0, expectedLength, actual, 0, Math.max(actualLength, 0))) {
            return LIBRARY + "'s lzo1x_1_compress wrote other bytes than lzo1x_1 (" + actualLength + " against "
                    + expectedLength + ") on a fixed sample";
        }
        return null;
    }

    /**
     * 64 KiB (the largest page, two of lzo1x_1_compress's chunks): text with repeats at short
     * distances, noise (long literal runs), zeros (long matches), and copies 20 and 29 KiB back (M4
     * matches, and one across the chunk boundary, where the dictionary starts afresh).
     */
    static byte[] selfCheckSample() {
        byte[] b = new byte[65536];
        byte[] text = "struct page { unsigned long flags; struct list_head lru; } kernel buffer text\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int i = 0;
        for (int line = 0; i < 4096; line++) {
            for (int j = 0; j < text.length && i < 4096; j++) {
                b[i++] = (byte) (text[j] + (j % 17 == 0 ? line % 3 : 0));
            }
        }
        long x = 0x9E3779B97F4A7C15L;
        for (i = 4096; i < 65536; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            if (i < 12288 || i >= 20000) {
                b[i] = (byte) x;
            }
        }
        System.arraycopy(b, 0, b, 20000, 1000);
        System.arraycopy(b, 21000, b, 50000, 1000);
        System.arraycopy(b, 0, b, 60000, 4096);
        return b;
    }

    /** Why the native encoder cannot be bound. */
    private static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code lzo1x_1_compress} bound through the foreign function API, and the arenas its buffers come from. */
    private static final class Binding {
        /** {@code int lzo1x_1_compress(src, src_len, dst, dst_len*, wrkmem)}, every argument a 64-bit integer. */
        final MethodHandle compress;
        final SharedArenas arenas;

        private Binding(MethodHandle compress, SharedArenas arenas) {
            this.compress = compress;
            this.arenas = arenas;
        }

        static Binding find() throws UnavailableException {
            SharedArenas arenas = SharedArenas.orNull();
            if (arenas == null) {
                throw new UnavailableException("Java " + Runtime.version().feature()
                        + " has no foreign function interface (Java 22 and later have)");
            }
            try {
                Module self = NativeLzo1x1.class.getModule();
                boolean nativeAccess = (boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(self);
                if (!nativeAccess) {
                    throw new UnavailableException("native access is not enabled for " + self
                            + " (--enable-native-access)");
                }
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> linker = Class.forName("java.lang.foreign.Linker");
                Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
                Class<?> symbolLookup = Class.forName("java.lang.foreign.SymbolLookup");
                Class<?> descriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> layout = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");

                Object global = arena.getMethod("global").invoke(null);
                Object symbols;
                try {
                    symbols = symbolLookup.getMethod("libraryLookup", String.class, arena).invoke(null, LIBRARY, global);
                } catch (InvocationTargetException e) {
                    throw new UnavailableException(LIBRARY + " does not load: " + e.getCause().getMessage());
                }
                Optional<?> function = (Optional<?>) symbolLookup.getMethod("find", String.class)
                        .invoke(symbols, "lzo1x_1_compress");
                if (function.isEmpty()) {
                    throw new UnavailableException(LIBRARY + " has no lzo1x_1_compress");
                }
                Object javaLong = valueLayout.getField("JAVA_LONG").get(null);
                Object javaInt = valueLayout.getField("JAVA_INT").get(null);
                Object arguments = Array.newInstance(layout, 5);
                for (int i = 0; i < 5; i++) {
                    Array.set(arguments, i, javaLong);
                }
                Object signature = descriptor.getMethod("of", layout, arguments.getClass()).invoke(null, javaInt, arguments);
                // a call of a few microseconds that never calls back into Java: no thread-state transition
                Object options = Array.newInstance(option, 1);
                Array.set(options, 0, option.getMethod("critical", boolean.class).invoke(null, false));
                Object nativeLinker = linker.getMethod("nativeLinker").invoke(null);
                MethodHandle compress = (MethodHandle) linker.getMethod("downcallHandle", segment, descriptor, options.getClass())
                        .invoke(nativeLinker, function.get(), signature, options);
                compress = compress.asType(MethodType.methodType(int.class, long.class, long.class, long.class,
                        long.class, long.class));
                return new Binding(compress, arenas);
            } catch (UnavailableException e) {
                throw e;
            } catch (InvocationTargetException e) {
                throw new UnavailableException("the foreign function interface refused " + LIBRARY + ": " + e.getCause());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new UnavailableException("the foreign function interface could not be bound: " + e);
            }
        }
    }
}
