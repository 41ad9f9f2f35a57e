package org.vmcore4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class BackgroundOutputStreamTest {

    /** Writes of every size, across buffer bounds, arrive whole and in order; flush waits for them. */
    @Test
    void bytesArriveInOrder() throws IOException {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(7);
        try (BackgroundOutputStream s = new BackgroundOutputStream(target, 1000, 2, "test-writer")) {
            for (int i = 0; i < 500; i++) {
                byte[] b = new byte[random.nextInt(3000)];
                random.nextBytes(b);
                int off = b.length == 0 ? 0 : random.nextInt(b.length);
                int len = b.length - off;
                s.write(b, off, len);
                expected.write(b, off, len);
                if (i % 97 == 0) {
                    s.write(i);
                    expected.write(i);
                    s.flush();
                    assertArrayEquals(expected.toByteArray(), target.toByteArray());
                }
            }
        }
        assertArrayEquals(expected.toByteArray(), target.toByteArray());
    }

    /** The writer may block (a full pipe): at most depth buffers wait, then the caller waits too. */
    @Test
    void callerWaitsWhenDepthBuffersArePending() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        OutputStream blocking = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writes.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        };
        AtomicBoolean done = new AtomicBoolean();
        BackgroundOutputStream s = new BackgroundOutputStream(blocking, 10, 2, "test-writer");
        Thread caller = new Thread(() -> {
            try {
                s.write(new byte[40]); // four buffers: the third hand-off waits for the first
                done.set(true);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        caller.start();
        caller.join(300);
        assertFalse(done.get(), "the caller went on with more than 2 buffers pending");
        release.countDown();
        caller.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(done.get());
        s.close();
        assertEquals(4, writes.get());
    }

    /** A failed write fails the caller's next write or flush, with the target's exception; close still stops. */
    @Test
    void failureReachesTheCaller() throws IOException {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        BackgroundOutputStream s = new BackgroundOutputStream(broken, 16, 1, "test-writer");
        IOException e = assertThrows(IOException.class, () -> {
            for (int i = 0; i < 10; i++) {
                s.write(new byte[16]);
            }
            s.flush();
        });
        assertEquals("Broken pipe", e.getMessage());
        // the bytes not written are still there: close tries them, fails the same way, and stops
        assertEquals("Broken pipe", assertThrows(IOException.class, s::close).getMessage());
        assertEquals("stream closed", assertThrows(IOException.class, () -> s.write(1)).getMessage());
        s.close();
    }

    /** A PrintStream keeps its write errors; standard output as the dump's stream asks for them. */
    @Test
    void standardOutputReportsWriteErrors() {
        java.io.PrintStream failing = new java.io.PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        }, false, java.nio.charset.StandardCharsets.UTF_8);
        DumpSinks.StandardOutput out = new DumpSinks.StandardOutput(failing);
        IOException e = assertThrows(IOException.class, () -> out.write(new byte[8], 0, 8));
        assertTrue(e.getMessage().startsWith("standard output: write failed"), e.getMessage());
    }
}
