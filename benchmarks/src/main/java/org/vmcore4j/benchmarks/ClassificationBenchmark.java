package org.vmcore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.vmcore4j.core.Vmcore;
import org.vmcore4j.filter.FilterReport;
import org.vmcore4j.filter.PageFilter;

/**
 * Page classification throughput on one core: a whole scan of a real dump at a dump level, reported
 * as page frames classified per second ({@code pages} counter). Level 31 walks mem_map and tests
 * every remaining page for zeros; level 30 classifies from struct pages alone; level 1 only tests
 * page contents.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClassificationBenchmark -p dump=PATH/vmcore}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx64m")
@Threads(1)
public class ClassificationBenchmark {

    @Param({"31", "30", "1"})
    public int level;

    /** The dump to scan; defaults to the corpus's 6.1 dump. */
    @Param({""})
    public String dump;

    private Vmcore vmcore;
    private PageFilter filter;

    /** Page frames classified, reported per second next to the scan rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Pages {
        public long pages;
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path path = dump.isEmpty()
                ? Path.of(System.getProperty("user.home"), ".cache", "vmcore4j-corpus", "k61-1g-2cpu", "vmcore")
                : Path.of(dump);
        vmcore = Vmcore.open(path);
        filter = PageFilter.forLevel(level);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        vmcore.close();
    }

    @Benchmark
    public FilterReport scan(Pages counter) throws IOException {
        FilterReport report = filter.count(vmcore);
        counter.pages += report.totalPages();
        return report;
    }
}
