package org.vmcore4j.kdump.internal.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * Little-endian loads and stores in byte arrays for {@link Lzo1x1Compressor}'s inner loops, whose
 * every index that encoder has already proven in bounds.
 *
 * <p>The collector runs on C1 alone ({@code -XX:TieredStopAtLevel=1}), which does not inline the
 * index check of a byte-array view {@link VarHandle}: it stays a call to
 * {@code Preconditions.checkIndex} per load, a third of all samples of a one-CPU {@code -l} run on
 * Java 17. {@code sun.misc.Unsafe}'s accesses are single instructions under C1, so they are used where
 * they are plain, unaligned, little-endian loads and stores (x86_64, arm64) and the runtime is older
 * than Java 23, which deprecated them for removal (JEP 471; Java 24 warns at their first use). Java 22
 * and later encode through liblzo2 when they can ({@link NativeLzo1x1}), so the views there are the
 * fallback of a fallback.
 *
 * <p>No method here checks its index when {@link #UNSAFE} is in use: a caller that passes one out of
 * bounds reads or corrupts memory outside the array. Keep the callers few and their bounds proven.
 */
final class UncheckedLittleEndian {
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The unchecked accessor, or null where the checked views are used. */
    static final sun.misc.Unsafe UNSAFE = unsafeOrNull();
    private static final long BYTE_BASE = UNSAFE == null ? 0 : UNSAFE.arrayBaseOffset(byte[].class);

    private UncheckedLittleEndian() {
    }

    static int getInt(byte[] a, int index) {
        return UNSAFE != null ? UNSAFE.getInt(a, BYTE_BASE + index) : (int) LE_INT.get(a, index);
    }

    static long getLong(byte[] a, int index) {
        return UNSAFE != null ? UNSAFE.getLong(a, BYTE_BASE + index) : (long) LE_LONG.get(a, index);
    }

    static void putLong(byte[] a, int index, long value) {
        if (UNSAFE != null) {
            UNSAFE.putLong(a, BYTE_BASE + index, value);
        } else {
            LE_LONG.set(a, index, value);
        }
    }

    static void putShort(byte[] a, int index, short value) {
        if (UNSAFE != null) {
            UNSAFE.putShort(a, BYTE_BASE + index, value);
        } else {
            LE_SHORT.set(a, index, value);
        }
    }

    /** {@return which accesses run: for {@code vmcore4j -v} and the tests} */
    static String description() {
        return UNSAFE != null ? "unchecked loads (sun.misc.Unsafe)" : "checked loads (VarHandle)";
    }

    private static sun.misc.Unsafe unsafeOrNull() {
        if (Runtime.version().feature() >= 23
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
                || !Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"))) {
            return null;
        }
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
            // the layout the loads assume: one byte per element, array elements contiguous
            return unsafe.arrayIndexScale(byte[].class) == 1 ? unsafe : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
