package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.vmcore4j.core.PageStatus;
import org.vmcore4j.core.PageStatusMap;
import org.vmcore4j.core.PhysicalMemory;
import org.vmcore4j.core.Vmcore;

/**
 * One opened dump read by two threads against one dump opened per thread (libkdumpfile's
 * {@code kdump_clone} model): random present pages through {@link PhysicalMemory#readPage}, on two
 * threads. Decides the threading contract the javadoc states: if the shared dump is not slower, a
 * caller needs no per-thread readers. Each operation reads {@value #BATCH} pages.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SharedDumpReadBenchmark -p dump=PATH}
 * (an ELF vmcore, a kdump-compressed file; empty: the corpus's 6.1 vmcore).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Threads(2)
public class SharedDumpReadBenchmark {
    static final int BATCH = 256;

    /** The dump every thread shares, opened once. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** The file to read; empty: the corpus's 6.1 vmcore. */
        @Param({""})
        public String dump;

        Vmcore vmcore;
        long[] present;

        @Setup(Level.Trial)
        public void open() throws IOException {
            vmcore = Vmcore.open(path(dump));
            present = presentFrames(vmcore.physicalMemory());
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            vmcore.close();
        }
    }

    /** A dump opened by this thread alone, and the thread's page buffer and random stream. */
    @State(Scope.Thread)
    public static class PerThread {
        Vmcore own;
        long[] present;
        byte[] page;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void open(Shared shared) throws IOException {
            own = Vmcore.open(path(shared.dump));
            present = shared.present;
            page = new byte[own.physicalMemory().pageSize()];
            random = new SplittableRandom(Thread.currentThread().getId());
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            own.close();
        }
    }

    static Path path(String dump) {
        return dump.isEmpty() ? PageSample.defaultDump() : Path.of(dump);
    }

    static long[] presentFrames(PhysicalMemory memory) {
        PageStatusMap map = memory.statusMap();
        long[] out = new long[(int) Math.min(map.count(PageStatus.PRESENT), 1 << 20)];
        int n = 0;
        for (PageStatusMap.Run r : map.runs()) {
            for (long p = r.startPfn(); r.status() == PageStatus.PRESENT && p < r.endPfn() && n < out.length; p++) {
                out[n++] = p;
            }
        }
        return out;
    }

    private static long read(PhysicalMemory memory, PerThread t) throws IOException {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            memory.readPage(t.present[t.random.nextInt(t.present.length)], t.page, 0);
            sum += t.page[i & (t.page.length - 1)];
        }
        return sum;
    }

    /** Both threads read one opened dump. */
    @Benchmark
    public long sharedDump(Shared shared, PerThread thread) throws IOException {
        return read(shared.vmcore.physicalMemory(), thread);
    }

    /** Each thread reads the dump it opened itself. */
    @Benchmark
    public long dumpPerThread(PerThread thread) throws IOException {
        return read(thread.own.physicalMemory(), thread);
    }
}
