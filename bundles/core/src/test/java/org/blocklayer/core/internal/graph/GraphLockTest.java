package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The graph reader/writer lock (B32–B37). */
class GraphLockTest {
    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    @DisplayName("B32: rdlock without writer counts in the current context and unlock uncounts")
    void rdlockWithoutWriterCountsInTheCurrentContextAndUnlockUncounts_B32() throws Exception {
        EventLoop main = core.scheduler.mainLoop();
        long[] seen = core.inCoroutine(() -> {
            long before = main.graphReaders().get();
            long during;
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                during = main.graphReaders().get();
            }
            return new long[] {before, during, main.graphReaders().get()};
        });
        assertThat(seen).containsExactly(0, 1, 0);
    }

    @Test
    @DisplayName("B33: readers park while awriter holds the lock and all wake on unlock")
    void readersParkWhileAWriterHoldsTheLockAndAllWakeOnUnlock_B33() throws Exception {
        AtomicInteger entered = new AtomicInteger();
        int parkedWhileLocked = core.inMain(() -> {
            try (GraphLock.Writer w = core.lock.wrlock()) {
                for (int i = 0; i < 3; i++) {
                    core.scheduler.mainLoop().coEnter(Coroutine.create(() -> {
                        try (GraphLock.Reader r = core.lock.coRdlock()) {
                            entered.incrementAndGet();
                        }
                    }));
                }
                return entered.get();
            }
        });
        assertThat(parkedWhileLocked).isZero();
        assertThat(entered).hasValue(3);
        assertThat(core.lock.readerCount()).isZero();
    }

    @Test
    @DisplayName("B34: wrlock only in the main loop and never nested")
    void wrlockOnlyInTheMainLoopAndNeverNested_B34() throws Exception {
        assertThatThrownBy(core.lock::wrlock).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("main loop");
        String nested = core.inMain(() -> {
            try (GraphLock.Writer w = core.lock.wrlock()) {
                core.lock.wrlock();
                return "no failure";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        });
        assertThat(nested).contains("nested writer");
    }

    @Test
    @DisplayName("B34: wrlock waits for readers and lets callbacks read lock while polling")
    void wrlockWaitsForReadersAndLetsCallbacksReadLockWhilePolling_B34() throws Exception {
        EventLoop io = core.scheduler.createIoThread("io");
        CountDownLatch readerHolds = new CountDownLatch(1);
        AtomicBoolean readerDone = new AtomicBoolean();
        AtomicBoolean callbackRead = new AtomicBoolean();
        AtomicBoolean callbackReadWhileReaderHeld = new AtomicBoolean();
        io.coEnter(Coroutine.create(() -> {
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                readerHolds.countDown();
                // Hold the read lock until the callback has read-locked, i.e. while the writer polls for us,
                // rather than for a fixed time the main loop might not even start its call in.
                io.threadPool().run(() -> {
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!callbackRead.get() && System.nanoTime() < giveUp) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    return null;
                });
                callbackReadWhileReaderHeld.set(callbackRead.get());
                readerDone.set(true);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(readerHolds.await(5, TimeUnit.SECONDS)).isTrue();

        boolean doneWhenLocked = core.inMain(() -> {
            // A callback that runs while the writer polls must be able to read-lock (has_writer is clear then).
            core.scheduler.mainLoop().schedule(() -> core.scheduler.mainLoop().coEnter(Coroutine.create(() -> {
                try (GraphLock.Reader r = core.lock.coRdlock()) {
                    callbackRead.set(true);
                }
            })));
            try (GraphLock.Writer w = core.lock.wrlock()) {
                assertThat(core.lock.hasWriter()).isTrue();
                return readerDone.get();
            }
        });
        assertThat(doneWhenLocked).isTrue();
        assertThat(callbackReadWhileReaderHeld).as("the callback read-locked while the writer waited").isTrue();
        assertThat(core.lock.hasWriter()).isFalse();
    }

    @Test
    @DisplayName("B35: counts move between contexts and deleted contexts keep their share")
    void countsMoveBetweenContextsAndDeletedContextsKeepTheirShare_B35() throws Exception {
        EventLoop a = core.scheduler.createIoThread("a");
        EventLoop b = core.scheduler.createIoThread("b");
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch unlocked = new CountDownLatch(1);
        AtomicLong sumWhileMoved = new AtomicLong(-1);
        Coroutine mover = Coroutine.create(() -> {
            GraphLock.Reader r = core.lock.coRdlock();
            locked.countDown();
            Coroutine.yield_();
            sumWhileMoved.set(core.lock.readerCount());
            r.close();
            unlocked.countDown();
        });
        a.coEnter(mover);
        assertThat(locked.await(5, TimeUnit.SECONDS)).isTrue();
        // Hand over from a bottom half of 'a': it runs only once the mover has yielded there.
        a.schedule(() -> b.scheduleCoroutine(mover));
        assertThat(unlocked.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(sumWhileMoved.get()).isEqualTo(1);
        assertThat(a.graphReaders().get()).isEqualTo(1);
        assertThat(b.graphReaders().get()).isEqualTo(-1);
        assertThat(core.lock.readerCount()).isZero();
        core.scheduler.destroyIoThread(a);
        assertThat(core.scheduler.orphanedReaders().get()).isEqualTo(1);
        assertThat(core.lock.readerCount()).isZero();
    }

    /**
     * Churn, as a smoke test around the deterministic proof of B36 (lock.MissedWakeupTest): two iothread readers
     * lock and unlock in a loop while the main loop takes the write lock a few hundred times; nothing hangs and the
     * count ends at zero.
     */
    @Test
    @Timeout(30)
    @DisplayName("B33 B34 B36: readers churning in two iothreads and a writer in the main loop never lose a wakeup")
    void readersChurningInTwoIothreadsAndAWriterInTheMainLoopNeverLoseAWakeup_B36() throws Exception {
        List<EventLoop> iothreads = List.of(core.scheduler.createIoThread("r1"), core.scheduler.createIoThread("r2"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        CountDownLatch readersEnded = new CountDownLatch(iothreads.size());
        CountDownLatch readersStarted = new CountDownLatch(iothreads.size());
        for (EventLoop io : iothreads) {
            // Each reader takes and drops the lock, then yields through its own context so the writer's
            // has_writer window opens and closes around it many times.
            Coroutine[] self = new Coroutine[1];
            self[0] = Coroutine.create(() -> {
                readersStarted.countDown();
                while (!stop.get()) {
                    try (GraphLock.Reader r = core.lock.coRdlock()) {
                        reads.incrementAndGet();
                    }
                    io.scheduleCoroutine(self[0]);
                    Coroutine.yield_();
                }
                readersEnded.countDown();
            });
            io.coEnter(self[0]);
        }
        assertThat(readersStarted.await(5, TimeUnit.SECONDS)).isTrue();
        int writes = core.inMain(() -> {
            int n = 0;
            for (; n < 300; n++) {
                try (GraphLock.Writer w = core.lock.wrlock()) {
                    assertThat(core.lock.hasWriter()).isTrue();
                }
            }
            return n;
        });
        stop.set(true);
        assertThat(readersEnded.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(writes).isEqualTo(300);
        assertThat(reads.get()).isPositive();
        assertThat(core.lock.readerCount()).isZero();
    }

    @Test
    @DisplayName("B37: readable in the main loop or under aread lock writable only for the writer")
    void readableInTheMainLoopOrUnderAReadLockWritableOnlyForTheWriter_B37() throws Exception {
        EventLoop io = core.scheduler.createIoThread("io");
        core.inMain(() -> {
            core.lock.assertReadable();
            return null;
        });
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean failedWithoutLock = new AtomicBoolean();
        AtomicBoolean passedWithLock = new AtomicBoolean();
        io.coEnter(Coroutine.create(() -> {
            try {
                core.lock.assertReadable();
            } catch (IllegalStateException e) {
                failedWithoutLock.set(true);
            }
            try (GraphLock.Reader r = core.lock.coRdlock()) {
                core.lock.assertReadable();
                passedWithLock.set(true);
            }
            done.countDown();
        }));
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(failedWithoutLock).isTrue();
        assertThat(passedWithLock).isTrue();

        assertThatThrownBy(core.lock::assertWritable).isInstanceOf(IllegalStateException.class);
        String inMain = core.inMain(() -> {
            try {
                core.lock.assertWritable();
                return "writable without the lock";
            } catch (IllegalStateException expected) {
                try (GraphLock.Writer w = core.lock.wrlock()) {
                    core.lock.assertWritable();
                    return "ok";
                }
            }
        });
        assertThat(inMain).isEqualTo("ok");
    }
}
