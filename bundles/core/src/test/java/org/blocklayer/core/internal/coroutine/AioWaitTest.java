package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** AIO_WAIT_WHILE, the AioContext lock and aio_wait_kick (B28–B31). */
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

    @Test
    @DisplayName("B30: the home thread polls its own context without touching the lock")
    void theHomeThreadPollsItsOwnContextWithoutTouchingTheLock_B30() throws Exception {
        CompletableFuture<Integer> holds = new CompletableFuture<>();
        io.schedule(() -> {
            AtomicInteger polls = new AtomicInteger();
            io.schedule(polls::incrementAndGet);
            scheduler.aioWait().waitWhile(io, () -> polls.get() == 0);
            holds.complete(io.lockHoldCount());
        });
        assertThat(holds.get(5, TimeUnit.SECONDS)).isZero();

        int unlockedHolds = scheduler.inMainLoop(() -> {
            io.acquire();
            try {
                AtomicBoolean ran = new AtomicBoolean();
                io.schedule(() -> {
                    ran.set(true);
                    scheduler.aioWait().kick();
                });
                // _UNLOCKED never releases: the bottom half above does not need the lock, so this still ends.
                scheduler.aioWait().waitWhileUnlocked(io, () -> !ran.get());
                return io.lockHoldCount();
            } finally {
                io.release();
            }
        });
        assertThat(unlockedHolds).isEqualTo(1);
    }

    @Test
    @DisplayName("B31: kick wakes the main loop only with waiters and iothreads may not wait on each other")
    void kickWakesTheMainLoopOnlyWithWaitersAndIothreadsMayNotWaitOnEachOther_B31() throws Exception {
        assertThat(scheduler.aioWait().waiters()).isZero();
        scheduler.aioWait().kick();
        assertThat(main.poll(false)).as("no waiter: kick schedules nothing").isFalse();

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
