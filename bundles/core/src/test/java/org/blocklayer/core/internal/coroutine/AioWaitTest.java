package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** AIO_WAIT_WHILE, the AioContext lock and aio_wait_kick (B28–B31). Bounded: a lost wakeup fails, never hangs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AioWaitTest {
    private final Scheduler scheduler = new Scheduler();
    private final EventLoop main = scheduler.mainLoop();
    private final EventLoop io = scheduler.createIoThread("io");

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    @DisplayName("B28: main loop waiting on an iothread drops its lock while polling and retakes it")
    void mainLoopWaitingOnAnIothreadDropsItsLockWhilePollingAndRetakesIt_B28() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger holdsSeenByIothread = new AtomicInteger(-1);
        int holdsAfter = scheduler.inMainLoop(() -> {
            io.acquire();
            try {
                // Runs on the iothread under its context lock (co_schedule_bh_cb takes it): only possible if
                // the main loop released it while polling.
                io.coEnter(Coroutine.create(() -> {
                    holdsSeenByIothread.set(io.lockHoldCount());
                    done.set(true);
                    scheduler.aioWait().kick();
                }));
                scheduler.aioWait().waitWhile(io, () -> !done.get());
                return io.lockHoldCount();
            } finally {
                io.release();
            }
        });
        assertThat(holdsSeenByIothread).hasValue(1);
        assertThat(holdsAfter).isEqualTo(1);
    }

    @Test
    @DisplayName("B29: holding the lock twice is detected instead of deadlocking")
    void holdingTheLockTwiceIsDetectedInsteadOfDeadlocking_B29() {
        assertThatThrownBy(() -> scheduler.inMainLoop(() -> {
            io.acquire();
            io.acquire();
            try {
                io.coEnter(Coroutine.create(() -> { }));
                scheduler.aioWait().waitWhile(io, () -> true);
                return null;
            } finally {
                io.release();
                io.release();
            }
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("lock held 2 times");
    }

    /**
     * What a bottom half sees of the lock while the waiter polls: in the context's home thread exactly what the
     * thread held before the wait (none, then once), and with _UNLOCKED from the main loop the one hold the main
     * loop had, never a release in between.
     * Breaks if: the home-thread branch of AioWait takes the lock around its poll
     * ({@code target.acquire(); target.poll(true); target.release();}), or _UNLOCKED reads the hold count as the
     * locked variant does ({@code int holds = target.lockHoldCount();}).
     */
    @Test
    @DisplayName("B30: the home thread polls its own context without touching the lock; _UNLOCKED never touches it")
    void theHomeThreadPollsItsOwnContextWithoutTouchingTheLock_B30() throws Exception {
        CompletableFuture<int[]> home = new CompletableFuture<>();
        io.schedule(() -> {
            int unheld = holdsSeenWhilePolling(io);
            io.acquire();
            try {
                home.complete(new int[] {unheld, holdsSeenWhilePolling(io), io.lockHoldCount()});
            } finally {
                io.release();
            }
        });
        assertThat(home.get(5, TimeUnit.SECONDS)).containsExactly(0, 1, 1);

        int[] unlocked = scheduler.inMainLoop(() -> {
            io.acquire();
            try {
                return new int[] {holdsSeenWhilePollingUnlocked(), io.lockHoldCount()};
            } finally {
                io.release();
            }
        });
        assertThat(unlocked).containsExactly(1, 1);
    }

    /** In ctx's thread: waits on ctx until a bottom half that this wait's poll runs has read ctx's hold count. */
    private int holdsSeenWhilePolling(EventLoop ctx) {
        AtomicInteger seen = new AtomicInteger(-1);
        ctx.schedule(() -> seen.set(ctx.lockHoldCount()));
        scheduler.aioWait().waitWhile(ctx, () -> seen.get() < 0);
        return seen.get();
    }

    /** From the main loop: waits _UNLOCKED on {@code io} until a bottom half of the main loop read io's holds. */
    private int holdsSeenWhilePollingUnlocked() {
        AtomicInteger seen = new AtomicInteger(-1);
        main.schedule(() -> seen.set(io.lockHoldCount()));
        scheduler.aioWait().waitWhileUnlocked(io, () -> seen.get() < 0);
        return seen.get();
    }

    /**
     * Without a waiter a kick leaves the main loop nothing to wake for; with one (the main loop blocked in
     * AIO_WAIT_WHILE, its condition already read as true) only the kick ends the wait, which a bounded get proves.
     * Breaks if: AioWait.kick tests {@code numWaiters.get() > 1} (no wake for a single waiter), or
     * {@code >= 0} (a wake without waiters).
     */
    @Test
    @DisplayName("B31: kick wakes the main loop only with waiters and iothreads may not wait on each other")
    void kickWakesTheMainLoopOnlyWithWaitersAndIothreadsMayNotWaitOnEachOther_B31() throws Exception {
        boolean pendingAfterKick = scheduler.inMainLoop(() -> {
            main.notifyAccept();
            assertThat(scheduler.aioWait().waiters()).isZero();
            scheduler.aioWait().kick();
            return main.notifyAccept();
        });
        assertThat(pendingAfterKick).as("no waiter: kick notifies nothing").isFalse();

        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch decidedToWait = new CountDownLatch(1);
        CompletableFuture<Void> waited = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            main.notifyAccept();
            scheduler.aioWait().waitWhile(main, () -> {
                boolean wait = !done.get();
                decidedToWait.countDown();
                return wait;
            });
            waited.complete(null);
        });
        assertThat(decidedToWait.await(5, TimeUnit.SECONDS)).isTrue();
        done.set(true);
        scheduler.aioWait().kick();
        waited.get(5, TimeUnit.SECONDS);

        EventLoop other = scheduler.createIoThread("other");
        CompletableFuture<Throwable> refused = new CompletableFuture<>();
        io.schedule(() -> {
            try {
                scheduler.aioWait().waitWhile(other, () -> true);
                refused.complete(null);
            } catch (Throwable t) {
                refused.complete(t);
            }
        });
        assertThat(refused.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only the main loop may wait on another context");
    }

    @Test
    void waitingInsideACoroutineIsRefused() throws Exception {
        Throwable t = scheduler.inMainLoop(() -> {
            Throwable[] seen = new Throwable[1];
            Coroutine.create(() -> {
                try {
                    scheduler.aioWait().waitWhile(main, () -> false);
                } catch (IllegalStateException e) {
                    seen[0] = e;
                }
            }).enter();
            return seen[0];
        });
        assertThat(t).hasMessageContaining("AIO_WAIT_WHILE called in a coroutine");
    }
}
