package org.blocklayer.itests.bench;

import java.util.concurrent.TimeUnit;

import org.blocklayer.core.internal.coroutine.Coroutine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bare coroutine costs, the figures QEMU quotes for its own coroutines (tests/unit/test-coroutine.c), measured on
 * the JMH thread: {@code Coroutine.enter} runs a coroutine on whatever thread calls it, and no event loop is
 * involved in any of these.
 *
 * <ul>
 * <li>{@code createEnterTerminate}: {@code Coroutine.create(empty).enter()}; the body returns at once.</li>
 * <li>{@code enterYieldRoundtrip}: one coroutine that loops on {@code yield_()}; each op enters it and it yields
 * back ({@code /perf/yield} counts the same round trip).</li>
 * <li>{@code perfCost}: QEMU's {@code /perf/cost}: create, enter (the body yields), enter again (it ends).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class CoroutineBench {

    private static final Runnable EMPTY = () -> { };
    private static final Runnable YIELD_ONCE = Coroutine::yield_;

    /** Never terminates: it yields forever and is dropped with the state. */
    private Coroutine looper;

    @Setup(Level.Trial)
    public void setUp() {
        looper = Coroutine.create(() -> {
            for (;;) {
                Coroutine.yield_();
            }
        });
        looper.enter();
        Coroutine once = perfCost();
        Coroutine empty = createEnterTerminate();
        if (!once.isTerminated() || !empty.isTerminated() || looper.isTerminated()) {
            throw new IllegalStateException("coroutines did not run as expected: once=" + once.isTerminated()
                    + " empty=" + empty.isTerminated() + " looper=" + looper.isTerminated());
        }
        System.err.println("coroutine backend: " + Coroutine.backendName());
    }

    @Benchmark
    public Coroutine createEnterTerminate() {
        Coroutine co = Coroutine.create(EMPTY);
        co.enter();
        return co;
    }

    @Benchmark
    public void enterYieldRoundtrip() {
        looper.enter();
    }

    @Benchmark
    public Coroutine perfCost() {
        Coroutine co = Coroutine.create(YIELD_ONCE);
        co.enter();
        co.enter();
        return co;
    }
}
