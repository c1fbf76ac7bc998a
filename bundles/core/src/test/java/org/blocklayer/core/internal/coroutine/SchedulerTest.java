package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.core.internal.log.CoreLog;
import org.blocklayer.core.internal.log.RecordingLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler service as code outside core sees it (CoroutineScheduler), its contexts' lifetime, the watchdog's
 * decision (X5) and the small pieces under them: PollHandlers' list and Rethrow. Found by PIT (issue 15): each test
 * says the mutant it kills.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SchedulerTest {
    private final Scheduler scheduler = new Scheduler();
    private final EventLoop io = scheduler.createIoThread("io");

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    /** Runs {@code body} as a coroutine in {@code ctx} through the public start; its answer or its failure. */
    private <T> T inCoroutine(AioContext ctx, java.util.concurrent.Callable<T> body) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        scheduler.start(ctx, () -> {
            try {
                done.complete(body.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done.get(10, TimeUnit.SECONDS);
    }

    /** Breaks if: Scheduler.inCoroutine answered a constant. */
    @Test
    void inCoroutineIsTrueOnlyInsideOne() throws Exception {
        assertThat(scheduler.inCoroutine()).isFalse();
        assertThat(inCoroutine(io, scheduler::inCoroutine)).isTrue();
    }

    /**
     * A caller that gives up waiting (Ctrl-C in the shell) gets ECANCELED and keeps its interrupt, whether it waits
     * for the main loop or for a co_wrapper's coroutine in another context. Interrupted before the call, with the
     * loops held busy, the wait ends at once: no timing involved. Breaks if: Scheduler.inMainLoop or CoWrappers.fromOutside drop the
     * interrupt ({@code Thread.currentThread().interrupt()} removed).
     */
    @Test
    void anInterruptedCallerGetsEcanceledAndKeepsItsInterrupt() throws Exception {
        // Both loops busy until the calls have given up, so neither answers before the wait begins.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(2);
        for (EventLoop loop : List.of(scheduler.mainLoop(), io)) {
            loop.schedule(() -> {
                busy.countDown();
                await(release);
            });
        }
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            callsGiveUp();
        } finally {
            release.countDown();
        }
    }

    private void callsGiveUp() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> scheduler.inMainLoop(() -> 1)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ECANCELED));
        assertThat(Thread.interrupted()).as("interrupt kept").isTrue();

        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> CoWrappers.wrapper(io, () -> 1)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ECANCELED));
        assertThat(Thread.interrupted()).as("interrupt kept").isTrue();
    }

    /**
     * co_wrapper_mixed for code outside core: the body runs in the context asked for, a stand-in for one found by
     * its name, and its result comes back. Breaks if: coWrapperMixed dropped the result, or loopOf accepted a name
     * no loop has.
     */
    @Test
    void coWrapperMixedRunsTheBodyInTheLoopOfThatNameAndReturnsItsResult() throws Exception {
        AioContext standIn = CoroutineTest.forwardingTo(io);
        String where = scheduler.coWrapperMixed(standIn, () -> scheduler.currentContext().name());
        assertThat(where).isEqualTo("io");
        AioContext unknown = CoroutineTest.forwardingTo(new EventLoop("nowhere", scheduler));
        assertThatThrownBy(() -> scheduler.coWrapperMixed(unknown, () -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no event loop named 'nowhere'");
    }

    /** Breaks if: wrapperRdlock skipped its outside-a-coroutine check (B24). */
    @Test
    void wrapperRdlockRefusesACoroutine() throws Exception {
        Throwable thrown = inCoroutine(io, () -> {
            try {
                CoWrappers.wrapperRdlock(io, null, () -> 1);
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertThat(thrown).hasMessageContaining("co_wrapper called in a coroutine");
    }

    /**
     * The public sleep yields for at least its time, and the mutex and queue the scheduler hands out are live ones.
     * Breaks if: Scheduler.sleep did not sleep, or newMutex/newQueue returned nothing.
     */
    @Test
    void theSchedulersSleepMutexAndQueueWork() throws Exception {
        CoroutineScheduler s = scheduler;
        long elapsed = inCoroutine(io, () -> {
            long t0 = System.nanoTime();
            s.sleep(TimeUnit.MILLISECONDS.toNanos(2));
            return System.nanoTime() - t0;
        });
        assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2));
        List<Object> seen = inCoroutine(io, () -> {
            CoMutex m = scheduler.newMutex();
            m.lock();
            boolean locked = m.isLocked();
            m.unlock();
            return List.of(locked, scheduler.newQueue().next());
        });
        assertThat(seen).containsExactly(true, false);
    }

    /**
     * close stops every loop after it has run what was queued, and waits for their threads; loop threads are
     * daemons, so an embedder that never closes still lets the JVM exit. Breaks if: Scheduler.close skipped
     * stopAll, AioContexts.stopAll skipped a loop, EventLoop.stop did not wait for its thread (LoopThread.awaitEnd's
     * join removed or its own-thread check negated), or a loop thread were not a daemon.
     */
    @Test
    void closeRunsWhatWasQueuedAndEndsEveryLoopThread() throws Exception {
        Scheduler other = new Scheduler();
        EventLoop otherIo = other.createIoThread("other-io");
        Thread mainThread = other.mainLoop().home();
        Thread ioThread = otherIo.home();
        assertThat(mainThread.isDaemon()).isTrue();
        assertThat(ioThread.isDaemon()).isTrue();
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch ioBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        otherIo.schedule(() -> {
            ioBusy.countDown();
            await(release);
        });
        assertThat(ioBusy.await(5, TimeUnit.SECONDS)).isTrue();
        otherIo.schedule(() -> ran.add("io"));
        other.mainLoop().schedule(() -> ran.add("main"));
        release.countDown();
        other.close();
        assertThat(ioThread.isAlive()).as("iothread ended").isFalse();
        assertThat(mainThread.isAlive()).as("main loop ended").isFalse();
        assertThat(ran).containsExactlyInAnyOrder("io", "main");
    }

    /** Breaks if: AioContexts.named no longer finds a context, so two iothreads could share a name. */
    @Test
    void iothreadNamesAreUnique() {
        assertThatThrownBy(() -> scheduler.createIoThread("io")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'io' exists already");
        assertThatThrownBy(() -> scheduler.createIoThread("main")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * aio_poll's answer: whether it did anything. Breaks if: EventLoop.poll answered a constant, or combined its
     * sources with AND (a bottom half alone would then not count).
     */
    @Test
    void pollSaysWhetherItDidAnything() throws Exception {
        CompletableFuture<List<Boolean>> answers = new CompletableFuture<>();
        io.schedule(() -> {
            List<Boolean> a = new ArrayList<>();
            io.schedule(() -> { });
            a.add(io.poll(false));
            a.add(io.poll(false));
            answers.complete(a);
        });
        assertThat(answers.get(5, TimeUnit.SECONDS)).containsExactly(true, false);
    }

    /** Breaks if: EventLoop.watch skipped its home-thread check (aio_set_fd_handler from another thread). */
    @Test
    void watchingAChannelFromAnotherThreadIsRefused() throws Exception {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            assertThatThrownBy(() -> io.watch(pipe.source(), () -> { }, null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("aio_set_fd_handler");
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
    }

    /**
     * The watchdog's decision, with the clock given: a context busy for less than the threshold is not reported,
     * one busy for the threshold is, once per stall, with the time and its thread's stack (X5). Its own thread
     * checks every quarter threshold (here an hour: never during the test).
     * Breaks if: Watchdog.check's comparison moved (boundary, negation, {@code now - since} as a sum), reported the
     * same stall twice, or its message lost the duration or the stack.
     */
    @Test
    void theWatchdogReportsAContextBusyForItsThresholdOncePerStall_X5() throws Exception {
        long threshold = TimeUnit.HOURS.toMillis(1);
        long thresholdNanos = TimeUnit.MILLISECONDS.toNanos(threshold);
        RecordingLogger rec = new RecordingLogger();
        Watchdog watchdog = new Watchdog(scheduler, threshold, new CoreLog(() -> rec.logger, "test"));
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        io.schedule(() -> {
            busy.countDown();
            await(release);
        });
        try {
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
            long since = io.busySince();
            assertThat(since).isNotZero();
            watchdog.check(since + thresholdNanos - 1);
            assertThat(watchdog.stalls()).isZero();
            watchdog.check(since + thresholdNanos);
            watchdog.check(since + 2 * thresholdNanos);
            assertThat(watchdog.stalls()).isEqualTo(1);
            assertThat(rec.records).hasSize(1);
            assertThat(rec.records.get(0)).startsWith("WARN AioContext io has not returned to its event loop for"
                    + " 3600000 ms (threshold 3600000 ms)").contains("\n    at ");
        } finally {
            release.countDown();
            watchdog.stop();
        }
    }

    /**
     * Removing a handler keeps the others in order, removing one never added changes nothing, a poll counts as
     * progress when any handler made some, and a handler with work before the sleep keeps the loop awake after the
     * ones already armed are disarmed. Breaks if: PollHandlers.remove copied the wrong ranges or overran its array,
     * poll combined answers with AND, or prepareSleep answered true with work pending.
     */
    @Test
    void pollHandlersKeepTheirOrderOnRemovalAndCombineTheirAnswers() {
        PollHandlers handlers = new PollHandlers();
        List<String> calls = new ArrayList<>();
        ScriptedHandler a = new ScriptedHandler("a", calls, true, true);
        ScriptedHandler b = new ScriptedHandler("b", calls, false, false);
        ScriptedHandler c = new ScriptedHandler("c", calls, false, true);
        handlers.add(a);
        handlers.add(b);
        handlers.add(c);
        handlers.remove(new ScriptedHandler("never added", calls, false, true));
        assertThat(handlers.poll()).isTrue();
        assertThat(calls).containsExactly("a.poll", "b.poll", "c.poll");
        calls.clear();
        assertThat(handlers.prepareSleep()).isFalse();
        assertThat(calls).containsExactly("a.prepare", "b.prepare", "a.woke", "b.woke");

        handlers.remove(b);
        calls.clear();
        assertThat(handlers.poll()).isTrue();
        assertThat(handlers.prepareSleep()).isTrue();
        assertThat(calls).containsExactly("a.poll", "c.poll", "a.prepare", "c.prepare");
        handlers.remove(a);
        calls.clear();
        assertThat(handlers.poll()).isFalse();
        assertThat(calls).containsExactly("c.poll");
    }

    private static final class ScriptedHandler implements org.blocklayer.api.coroutine.PollHandler {
        private final String name;
        private final List<String> calls;
        private final boolean progress;
        private final boolean canSleep;

        ScriptedHandler(String name, List<String> calls, boolean progress, boolean canSleep) {
            this.name = name;
            this.calls = calls;
            this.progress = progress;
            this.canSleep = canSleep;
        }

        @Override
        public boolean poll() {
            calls.add(name + ".poll");
            return progress;
        }

        @Override
        public boolean prepareSleep() {
            calls.add(name + ".prepare");
            return canSleep;
        }

        @Override
        public void wokeUp() {
            calls.add(name + ".woke");
        }

        @Override
        public void contextEnded() {
            calls.add(name + ".ended");
        }
    }

    /**
     * What crosses a coroutine switch keeps its type: the checked type asked for, unchecked ones and errors as
     * they are, any other checked one wrapped for the caller to throw. Breaks if: Rethrow.as let a
     * RuntimeException or an Error through to the wrapping, or returned nothing to throw.
     */
    @Test
    void rethrowKeepsWhatItCanAndWrapsTheRest() {
        IOException io = new IOException("io");
        IllegalArgumentException runtime = new IllegalArgumentException("runtime");
        AssertionError error = new AssertionError("error");
        Exception other = new Exception("other");
        assertThatThrownBy(() -> Rethrow.as(io, IOException.class)).isSameAs(io);
        assertThatThrownBy(() -> Rethrow.as(runtime, IOException.class)).isSameAs(runtime);
        assertThatThrownBy(() -> Rethrow.as(error, IOException.class)).isSameAs(error);
        try {
            assertThat(Rethrow.as(other, IOException.class)).isInstanceOf(IllegalStateException.class)
                    .hasCause(other);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * What the scheduler says once DS has bound its Logger (which backend runs; a warning only for a fallback), and
     * a bottom half that throws: reported with its context, and the loop goes on with the next one. The Logger is
     * set as DS sets it, into the field. Breaks if: activated() stayed silent or warned with nothing to warn about,
     * the loop stopped on the throw, or reportUncaught lost the report.
     */
    @Test
    void theSchedulerLogsItsBackendAndABottomHalfThatThrowsWithoutStoppingTheLoop() throws Exception {
        RecordingLogger rec = new RecordingLogger();
        java.lang.reflect.Field logger = Scheduler.class.getDeclaredField("logger");
        logger.setAccessible(true);
        logger.set(scheduler, rec.logger);
        scheduler.activated();
        String backend = Coroutine.backendName();
        boolean fellBack = ContinuationProbe.whyUnavailable() != null
                && System.getProperty(CoroutineBackend.PROPERTY, "").isEmpty();
        if (!fellBack) {
            assertThat(rec.records).containsExactly("DEBUG coroutine backend: " + backend);
        } else {
            assertThat(rec.records).hasSize(2).first().isEqualTo("DEBUG coroutine backend: " + backend);
            assertThat(rec.records.get(1)).startsWith("WARN coroutines run on virtual threads");
        }
        rec.records.clear();
        CompletableFuture<String> next = new CompletableFuture<>();
        io.schedule(() -> {
            throw new IllegalStateException("a bottom half's bug");
        });
        io.schedule(() -> next.complete("ran"));
        assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(rec.records).singleElement().asString().startsWith("ERROR uncaught exception in AioContext io");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
