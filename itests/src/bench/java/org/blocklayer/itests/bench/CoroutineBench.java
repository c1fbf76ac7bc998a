package org.blocklayer.itests.bench;

import java.util.concurrent.TimeUnit;

import org.blocklayer.core.internal.coroutine.Coroutine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The loops of QEMU's {@code -m perf} paths in tests/unit/test-coroutine.c, one op being one iteration of QEMU's
 * loop, measured on the JMH thread: {@code Coroutine.enter} runs a coroutine on whatever thread calls it, and no
 * event loop is involved in any of these. itests/bench/run runs QEMU's binary by turns with these.
 *
 * <ul>
 * <li>{@code perfLifecycle} ({@code /perf/lifecycle}): {@code Coroutine.create(empty).enter()}; the body returns at
 * once.</li>
 * <li>{@code perfYield} ({@code /perf/yield}): one coroutine that loops on {@code yield_()}; each op enters it and
 * it yields back.</li>
 * <li>{@code perfCost} ({@code /perf/cost}): create, enter (the body yields), enter again (it ends).</li>
 * <li>{@code perfFunctionCall} ({@code /perf/function-call}, QEMU's baseline): a call of a method the JIT may not
 * inline that decrements a counter, as QEMU's {@code noinline dummy()}.</li>
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

    private static final int CALLS = 10_000;
    private static final Runnable EMPTY = () -> { };
    private static final Runnable YIELD_ONCE = Coroutine::yield_;

    /** QEMU's {@code unsigned int i} of {@code perf_baseline}, counted down by {@link #dummy}. */
    private final Counter counter = new Counter();
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
        Coroutine empty = perfLifecycle();
        if (perfFunctionCall() != 0) {
            throw new IllegalStateException("the function-call loop did not count down to 0");
        }
        if (!once.isTerminated() || !empty.isTerminated() || looper.isTerminated()) {
            throw new IllegalStateException("coroutines did not run as expected: once=" + once.isTerminated()
                    + " empty=" + empty.isTerminated() + " looper=" + looper.isTerminated());
        }
        System.err.println("coroutine backend: " + Coroutine.backendName());
    }

    @Benchmark
    public Coroutine perfLifecycle() {
        Coroutine co = Coroutine.create(EMPTY);
        co.enter();
        return co;
    }

    @Benchmark
    public void perfYield() {
        looper.enter();
    }

    @Benchmark
    public Coroutine perfCost() {
        Coroutine co = Coroutine.create(YIELD_ONCE);
        co.enter();
        co.enter();
        return co;
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public int perfFunctionCall() {
        counter.value = CALLS;
        while (counter.value > 0) {
            dummy(counter);
        }
        return counter.value;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static void dummy(Counter i) {
        i.value--;
    }

    /** A field to count in: QEMU's loop passes {@code &i}, so the count lives in memory, not in a register. */
    static final class Counter {
        int value;
    }
}
