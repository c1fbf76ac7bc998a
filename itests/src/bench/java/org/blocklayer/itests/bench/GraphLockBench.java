package org.blocklayer.itests.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The graph read lock without a writer ({@code bdrv_graph_co_rdlock} + {@code _rdunlock}): what every I/O request
 * and every length query pays.
 *
 * <ul>
 * <li>{@code rdlockUnlock}: {@link #BATCH} lock/unlock pairs in one coroutine on the main loop, per pair.</li>
 * <li>{@code throughput1thread}, {@code throughput2threads}: one coroutine per iothread doing {@link #PER_THREAD}
 * pairs, all iothreads at once; per pair over all threads, so ops/s = 1e9 / score. Each context counts its readers
 * on its own cache line, so two iothreads should get about twice the throughput of one on two cores.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class GraphLockBench {

    static final int BATCH = 100_000;
    static final int PER_THREAD = 2_000_000;

    private Scheduler scheduler;
    private GraphRwLock lock;
    private EventLoop io1;
    private EventLoop io2;

    @Setup(Level.Trial)
    public void open() throws Exception {
        scheduler = new Scheduler();
        lock = new GraphRwLock(scheduler);
        io1 = scheduler.createIoThread("bench-io1");
        io2 = scheduler.createIoThread("bench-io2");
        System.err.println("coroutine backend: " + Coroutine.backendName());
    }

    @TearDown(Level.Trial)
    public void close() {
        long readers = lock.readerCount();
        scheduler.close();
        if (readers != 0) {
            throw new IllegalStateException("graph reader count after the benchmark: " + readers);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long rdlockUnlock() {
        return readers(scheduler.mainLoop(), BATCH).join();
    }

    @Benchmark
    @OperationsPerInvocation(PER_THREAD)
    public long throughput1thread() {
        return readers(io1, PER_THREAD).join();
    }

    @Benchmark
    @OperationsPerInvocation(2 * PER_THREAD)
    public long throughput2threads() {
        CompletableFuture<Long> a = readers(io1, PER_THREAD);
        CompletableFuture<Long> b = readers(io2, PER_THREAD);
        return a.join() + b.join();
    }

    /** A coroutine in {@code ctx} that takes and drops the read lock {@code n} times. */
    private CompletableFuture<Long> readers(EventLoop ctx, int n) {
        return CoTask.schedule(ctx, () -> {
            long held = 0;
            for (int i = 0; i < n; i++) {
                try (GraphLock.Reader r = lock.coRdlock()) {
                    held++;
                }
            }
            return held;
        });
    }
}
