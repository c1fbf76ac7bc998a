package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.FdWatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The event loop's fd handlers and timers, and the stall watchdog (X5). */
class EventLoopTest {
    private final Scheduler scheduler = new Scheduler(200);
    private final EventLoop io = scheduler.createIoThread("io");

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void aReadableChannelRunsItsHandlerOnTheContextsThread() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        CompletableFuture<String> got = new CompletableFuture<>();
        CountDownLatch registered = new CountDownLatch(1);
        io.schedule(() -> {
            FdWatch[] h = new FdWatch[1];
            h[0] = io.watch(pipe.source(), () -> {
                ByteBuffer buf = ByteBuffer.allocate(16);
                try {
                    int n = pipe.source().read(buf);
                    h[0].remove();
                    got.complete(Thread.currentThread().getName() + ":" + new String(buf.array(), 0, n));
                } catch (java.io.IOException e) {
                    got.completeExceptionally(e);
                }
            }, null);
            registered.countDown();
        });
        // Write only once the handler is set, so it is the readable channel that wakes the loop.
        assertThat(registered.await(5, TimeUnit.SECONDS)).isTrue();
        pipe.sink().write(ByteBuffer.wrap("hi".getBytes()));
        assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("blocklayer-io:hi");
        pipe.sink().close();
        pipe.source().close();
    }

    @Test
    void aTimerFiresOnItsContextAfterItsDelayAndACancelledOneNever() throws Exception {
        CompletableFuture<Long> fired = new CompletableFuture<>();
        CompletableFuture<Boolean> cancelledFired = new CompletableFuture<>();
        long t0 = System.nanoTime();
        io.after(TimeUnit.MILLISECONDS.toNanos(20), () -> fired.complete(System.nanoTime() - t0));
        io.after(TimeUnit.MILLISECONDS.toNanos(10), () -> cancelledFired.complete(true)).cancel();
        assertThat(fired.get(5, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        // Timers run earliest first: had the cancel not held, the 10 ms one would have run before the 20 ms one.
        assertThat(cancelledFired).isNotDone();
    }

    @Test
    @DisplayName("X5: a context that does not return to its loop is reported once")
    void aContextThatDoesNotReturnToItsLoopIsReportedOnce_X5() throws Exception {
        assertThat(scheduler.watchdogStalls()).isZero();
        CompletableFuture<Void> blocked = new CompletableFuture<>();
        // Blocks until the watchdog has reported (not for a fixed time a slow watchdog thread could miss), then
        // for another 300 ms, six of its 50 ms checks, any of which would report the same stall again.
        io.schedule(() -> {
            try {
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (scheduler.watchdogStalls() == 0 && System.nanoTime() < giveUp) {
                    Thread.sleep(10);
                }
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            blocked.complete(null);
        });
        blocked.get(15, TimeUnit.SECONDS);
        Thread.sleep(200);
        assertThat(scheduler.watchdogStalls()).isEqualTo(1);
    }
}
