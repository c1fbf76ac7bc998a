package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.coroutine.ThreadPool;
import org.blocklayer.api.coroutine.Timer;
import org.blocklayer.api.coroutine.Wakeup;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** qemu-coroutine.c's rules (B40), and aio_co_enter through the public scheduler. */
class CoroutineTest {
    private final Scheduler scheduler = new Scheduler();

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void enterRunsUntilYieldAndEnterAgainResumes() {
        List<String> trace = new ArrayList<>();
        Coroutine co = Coroutine.create(() -> {
            trace.add("a");
            Coroutine.yield_();
            trace.add("b");
        });
        co.enter();
        trace.add("|");
        assertThat(co.isTerminated()).isFalse();
        co.enter();
        assertThat(trace).containsExactly("a", "|", "b");
        assertThat(co.isTerminated()).isTrue();
        assertThat(Coroutine.inCoroutine()).isFalse();
    }

    @Test
    void aNestedCoroutineYieldsBackToTheCoroutineThatEnteredIt() {
        List<String> trace = new ArrayList<>();
        Coroutine inner = Coroutine.create(() -> {
            trace.add("inner1");
            Coroutine.yield_();
            trace.add("inner2");
        });
        Coroutine outer = Coroutine.create(() -> {
            trace.add("outer1");
            inner.enter();
            trace.add("outer2:" + (Coroutine.current() != inner));
            inner.enter();
            trace.add("outer3");
        });
        outer.enter();
        assertThat(trace).containsExactly("outer1", "inner1", "outer2:true", "inner2", "outer3");
    }

    /**
     * B40's aborts, and the rule that stands in for its pool: a coroutine runs once (a JDK continuation cannot be
     * restarted), so a terminated one is never entered again and nothing is recycled (README, "Coroutines are not
     * pooled"; the measurement is in itests/bench/RESULTS.md, "B40").
     * Breaks if: Coroutine.enterIn no longer refuses a terminated coroutine (its {@code stack.isDone()} check dropped).
     */
    @Test
    @DisplayName("B40: entering arunning or scheduled coroutine or yielding outside one aborts")
    void enteringARunningOrScheduledCoroutineOrYieldingOutsideOneAborts_B40() {
        Coroutine[] self = new Coroutine[1];
        self[0] = Coroutine.create(() -> self[0].enter());
        assertThatThrownBy(self[0]::enter).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("re-entered recursively");

        Coroutine waiting = Coroutine.create(Coroutine::yield_);
        waiting.enter();
        EventLoop io = scheduler.createIoThread("io");
        io.acquire();
        try {
            io.scheduleCoroutine(waiting);
            assertThatThrownBy(() -> io.scheduleCoroutine(waiting)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already scheduled");
            assertThatThrownBy(waiting::enter).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already scheduled");
        } finally {
            io.release();
        }

        assertThatThrownBy(Coroutine::yield_).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("yielding to no one");

        Coroutine finished = Coroutine.create(() -> { });
        finished.enter();
        assertThatThrownBy(finished::enter).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after it terminated");
    }

    /**
     * {@code qemu_coroutine_self} is the innermost running coroutine: the backend reads it from its own record of
     * what runs (the mounted continuation, or the virtual thread), not from a thread-local set around each enter.
     * Breaks if: current() answered the outermost coroutine, kept the inner one after it yielded, or stayed set
     * outside every coroutine.
     */
    @Test
    void currentIsTheInnermostRunningCoroutineAndNullOutsideOne() {
        List<Object> seen = new ArrayList<>();
        Coroutine[] co = new Coroutine[2];
        co[1] = Coroutine.create(() -> {
            seen.add(Coroutine.current());
            Coroutine.yield_();
            seen.add(Coroutine.current());
        });
        co[0] = Coroutine.create(() -> {
            seen.add(Coroutine.current());
            co[1].enter();
            seen.add(Coroutine.current());
            Coroutine.yield_();
            co[1].enter();
            seen.add(Coroutine.current());
        });
        assertThat(Coroutine.current()).isNull();
        co[0].enter();
        assertThat(Coroutine.current()).isNull();
        assertThat(Coroutine.inCoroutine()).isFalse();
        co[0].enter();
        assertThat(Coroutine.current()).isNull();
        assertThat(seen).containsExactly(co[0], co[1], co[0], co[1], co[0]);
    }

    /** Breaks if: what escapes the body were wrapped on its way out of the backend (a checked one, here). */
    @Test
    void aCheckedThrowableEscapingTheBodyReachesTheEntererAsItWas() {
        Exception checked = new java.io.IOException("checked");
        Coroutine co = Coroutine.create(() -> {
            Coroutine.yield_();
            CoroutineTest.<RuntimeException>sneaky(checked);
        });
        co.enter();
        assertThatThrownBy(co::enter).isSameAs(checked);
        assertThat(co.isTerminated()).isTrue();
        assertThat(Coroutine.current()).isNull();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }

    @Test
    void anExceptionEscapingTheBodyReachesTheEntererAfterTermination() {
        Coroutine co = Coroutine.create(() -> {
            throw new IllegalArgumentException("boom");
        });
        assertThatThrownBy(co::enter).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
        assertThat(co.isTerminated()).isTrue();
    }

    @Test
    @DisplayName("start needs nothing of a context but the AioContext interface: the coroutine runs, yields and is"
            + " woken in that context")
    void startNeedsNothingOfAContextButItsInterface() throws Exception {
        EventLoop io = scheduler.createIoThread("io");
        AioContext onlyTheInterface = forwardingTo(io);
        CompletableFuture<List<String>> done = new CompletableFuture<>();

        scheduler.start(onlyTheInterface, () -> {
            List<String> seen = new ArrayList<>();
            // The context, not the thread's name: with the virtual-thread backend the body has a thread of its own.
            seen.add((scheduler.currentContext() == io) + " " + scheduler.inCoroutine());
            Wakeup wakeup = scheduler.self();
            scheduler.currentContext().schedule(wakeup::wake);
            scheduler.yieldNow();
            seen.add((scheduler.currentContext() == io) + " " + scheduler.inCoroutine());
            done.complete(seen);
        });

        assertThat(done.get(5, TimeUnit.SECONDS)).containsExactly("true true", "true true");
    }

    @Test
    @DisplayName("start from the context's own thread outside a coroutine enters the coroutine at once")
    void startFromTheContextsThreadEntersAtOnce() throws Exception {
        EventLoop io = scheduler.createIoThread("io");
        AioContext onlyTheInterface = forwardingTo(io);
        CompletableFuture<List<String>> trace = new CompletableFuture<>();

        io.schedule(() -> {
            List<String> t = new ArrayList<>();
            scheduler.start(onlyTheInterface, () -> t.add("body"));
            t.add("after start");
            trace.complete(t);
        });

        assertThat(trace.get(5, TimeUnit.SECONDS)).containsExactly("body", "after start");
    }

    /**
     * Counting every coroutine is off unless the stress run asks for it before core loads, so no one else pays for
     * it. Breaks if: Coroutine counted with the property unset (its {@code COUNTING} checks negated).
     */
    @Test
    void coroutinesAreNotCountedUnlessAsked() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Boolean.getBoolean(Coroutine.COUNT_PROPERTY));
        Coroutine.create(() -> { }).enter();
        assertThat(Coroutine.created()).isZero();
        assertThat(Coroutine.ended()).isZero();
    }

    /** An AioContext that is not core's EventLoop, as any other implementation of the interface would be. */
    static AioContext forwardingTo(EventLoop loop) {
        return new AioContext() {
            @Override
            public String name() {
                return loop.name();
            }

            @Override
            public boolean isCurrent() {
                return loop.isCurrent();
            }

            @Override
            public void schedule(Runnable bottomHalf) {
                loop.schedule(bottomHalf);
            }

            @Override
            public ThreadPool threadPool() {
                return loop.threadPool();
            }

            @Override
            public FdWatch watch(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
                return loop.watch(channel, onReadable, onWritable);
            }

            @Override
            public Timer after(long delayNanos, Runnable callback) {
                return loop.after(delayNanos, callback);
            }

            @Override
            public void addPollHandler(org.blocklayer.api.coroutine.PollHandler handler) {
                loop.addPollHandler(handler);
            }

            @Override
            public void removePollHandler(org.blocklayer.api.coroutine.PollHandler handler) {
                loop.removePollHandler(handler);
            }

            @Override
            public org.blocklayer.api.coroutine.CoroutineScheduler scheduler() {
                return loop.scheduler();
            }
        };
    }
}
