package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A move must not wait for an iothread's lock that the iothread holds while it waits behind the mover (B30). */
@Timeout(30)
class MoveDeadlockTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    @DisplayName("B30: moving a node out of an iothread completes while that iothread holds its own lock and polls")
    void aMoveCompletesWhileTheIothreadHoldsItsLockInAWrapper() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        core.graph.addIothread("io");
        EventLoop io = core.scheduler.contexts().get(1);
        var n = core.graph.open(null, BlockOptions.parse("driver=test,node-name=n"), OpenFlags.RDWR, "io");
        // The reader holds the move back until the iothread is inside its locked polling loop, so the move
        // always happens while that lock is held, however slowly the machine schedules the two threads.
        AtomicBoolean polling = new AtomicBoolean();
        java.util.concurrent.CountDownLatch readerHolds = new java.util.concurrent.CountDownLatch(1);
        io.scheduleCoroutine(Coroutine.create(() -> {
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                readerHolds.countDown();
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!polling.get() && System.nanoTime() < giveUp) {
                    Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }
        }));
        // Only then the move: started earlier, it could take the write lock before the reader and finish at once.
        assertThat(readerHolds.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> move = CompletableFuture.runAsync(() -> {
            try {
                core.graph.setAioContext("n", "main");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The move waits behind the reader once its drain has begun (the driver hears it): only then the locked
        // polling loop, so the move is already waiting when the iothread takes its lock, not merely started.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (drv.drainBegins.get() == 0 && !move.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(drv.drainBegins.get()).as("the move began draining").isPositive();
        assertThat(move).as("the move waits for the reader").isNotDone();
        CompletableFuture<Integer> lengths = new CompletableFuture<>();
        io.schedule(() -> {
            io.acquire();
            try {
                int calls = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < end && n.aioContext() == io) {
                    n.getLength();
                    calls++;
                    polling.set(true);
                    long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                    io.after(TimeUnit.MILLISECONDS.toNanos(20), () -> { });
                    core.scheduler.aioWait().waitWhile(io, () -> System.nanoTime() < next);
                }
                lengths.complete(calls);
            } catch (Throwable t) {
                lengths.completeExceptionally(t);
            } finally {
                io.release();
            }
        });
        move.get(10, TimeUnit.SECONDS);
        assertThat(lengths.get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(n.aioContext().name()).isEqualTo("main");
        assertThat(n.getLength()).isEqualTo(4096);
    }
}
