package org.blocklayer.core.internal.coroutine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** CoQueue, CoMutex, CoRwLock and sleep (B40, B41). */
class CoLocksTest {
    private final Scheduler scheduler = new Scheduler();
    private final EventLoop main = scheduler.mainLoop();

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    /** Starts {@code body} as a coroutine in the main loop; the future completes when it ends. */
    private CompletableFuture<Void> spawn(EventLoop ctx, Runnable body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.schedule(() -> ctx.coEnter(Coroutine.create(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        })));
        return done;
    }

    @Test
    void coMutexHandsOffInArrivalOrderAcrossContexts() throws Exception {
        EventLoop io = scheduler.createIoThread("io");
        CoMutex mutex = new CoMutex();
        List<String> order = new ArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String name = "c" + i;
            EventLoop ctx = i % 2 == 0 ? main : io;
            all.add(spawn(ctx, () -> {
                mutex.lock();
                try {
                    assertThat(inside.incrementAndGet()).isEqualTo(1);
                    Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(1));
                    synchronized (order) {
                        order.add(name);
                    }
                    inside.decrementAndGet();
                } finally {
                    mutex.unlock();
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(order).hasSize(20);
        assertThat(mutex.isLocked()).isFalse();
    }

    @Test
    @DisplayName("B41: co mutex unlock by anon holder asserts")
    void coMutexUnlockByANonHolderAsserts_B41() throws Exception {
        CoMutex mutex = new CoMutex();
        CompletableFuture<Void> thief = new CompletableFuture<>();
        // The holder keeps the mutex until the thief has tried, however late the thief gets to run.
        CompletableFuture<Void> holder = spawn(main, () -> {
            mutex.lock();
            sleepUntil(thief::isDone);
            mutex.unlock();
        });
        spawn(main, mutex::unlock).whenComplete((v, t) -> {
            if (t != null) {
                thief.completeExceptionally(t);
            } else {
                thief.complete(v);
            }
        });
        assertThat(thief).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("does not hold it");
        holder.get(5, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("B40: terminating while holding aco mutex asserts")
    void terminatingWhileHoldingACoMutexAsserts_B40() throws Exception {
        CoMutex mutex = new CoMutex();
        // The check runs as the coroutine ends, so it surfaces in whoever entered it.
        Throwable t = scheduler.inMainLoop(() -> {
            try {
                main.coEnter(Coroutine.create(mutex::lock));
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertThat(t).hasMessageContaining("terminated while holding 1 lock");
    }

    @Test
    @DisplayName("B41: a reader queues behind awaiting writer and unlock wakes the next compatible")
    void aReaderQueuesBehindAWaitingWriterAndUnlockWakesTheNextCompatible_B41() throws Exception {
        CoRwLock lock = new CoRwLock();
        List<String> order = new ArrayList<>();
        AtomicBoolean r2Tried = new AtomicBoolean();
        // All three run in the main loop in the order they were spawned. r1 keeps its read lock until r2 has
        // tried to take one, so w is always waiting when r2 arrives, however the threads are scheduled: r1 only
        // sees the flag once r2 has yielded (queued) or finished (overtook the writer, which fails the order).
        CompletableFuture<Void> r1 = spawn(main, () -> {
            lock.rdlock();
            order.add("r1");
            sleepUntil(r2Tried::get);
            lock.unlock();
        });
        CompletableFuture<Void> w = spawn(main, () -> {
            lock.wrlock();
            order.add("w");
            lock.unlock();
        });
        CompletableFuture<Void> r2 = spawn(main, () -> {
            r2Tried.set(true);
            lock.rdlock();
            order.add("r2");
            lock.unlock();
        });
        CompletableFuture.allOf(r1, w, r2).get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly("r1", "w", "r2");
        assertThat(lock.readers()).isZero();
    }

    @Test
    void coQueueWakesWaitersOneByOneOrAll() throws Exception {
        CoQueue queue = new CoQueue();
        AtomicInteger woken = new AtomicInteger();
        List<CompletableFuture<Void>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(spawn(main, () -> {
                queue.coWait();
                woken.incrementAndGet();
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (queue.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        // The three coroutines were scheduled before next() in the same loop: all three wait when it runs.
        // Breaks if: next() does not answer whether it woke one (qemu_co_queue_next's bool).
        assertThat(scheduler.inMainLoop(queue::next)).as("next() woke a waiter").isTrue();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (woken.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        // Two round trips through the main loop: a wrongly woken second waiter would have run by then.
        scheduler.inMainLoop(() -> null);
        scheduler.inMainLoop(() -> null);
        assertThat(woken).hasValue(1);
        assertThat(queue.isEmpty()).isFalse();
        main.schedule(queue::restartAll);
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(woken).hasValue(3);
        assertThat(queue.isEmpty()).isTrue();
    }

    /**
     * restartAll from the waiters' own loop, outside a coroutine, enters each waiter at once; one that waits again
     * (its condition still true, as a request waiting for another driver, X2) is woken once, not again and again
     * by the same call. Breaks if: restartAll looped on next() until the queue stayed empty (the main loop spun
     * until the waiter's condition changed; here it would wake it three times).
     */
    @Test
    @DisplayName("CoQueue.restartAll wakes the waiters of the moment once; one that waits again stays waiting")
    void restartAllWakesOnceAWaiterThatWaitsAgain() throws Exception {
        CoQueue queue = new CoQueue();
        AtomicInteger wakes = new AtomicInteger();
        CompletableFuture<Void> waiter = spawn(main, () -> {
            while (queue.coWaitIf(() -> true) && wakes.incrementAndGet() < 3) {
                // waits again: the condition still holds
            }
        });
        scheduler.inMainLoop(() -> null);
        assertThat(scheduler.inMainLoop(queue::isEmpty)).as("waiting").isFalse();

        scheduler.inMainLoop(() -> {
            queue.restartAll();
            return null;
        });
        assertThat(wakes).hasValue(1);
        assertThat(scheduler.inMainLoop(queue::isEmpty)).as("waiting again").isFalse();
        main.schedule(queue::restartAll);
        main.schedule(queue::restartAll);
        waiter.get(5, TimeUnit.SECONDS);
        assertThat(wakes).hasValue(3);
    }

    /** In a coroutine: sleeps in small steps until {@code done} holds, giving up after 10 s. */
    private static void sleepUntil(BooleanSupplier done) {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean() && System.nanoTime() < giveUp) {
            Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void sleepYieldsForAtLeastItsTime() throws Exception {
        long[] elapsed = new long[1];
        spawn(main, () -> {
            long t0 = System.nanoTime();
            Coroutine.sleep(TimeUnit.MILLISECONDS.toNanos(30));
            elapsed[0] = System.nanoTime() - t0;
        }).get(5, TimeUnit.SECONDS);
        assertThat(elapsed[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    }

    /**
     * A lock handed to a waiting coroutine counts as held by that coroutine from the moment it gets it, so the
     * B40 check at its end sees 0 once it has unlocked, and each coroutine ends where the test enters it last, so
     * that check surfaces here. Runs in the main loop: every step is one enter or one poll, no timing involved.
     * Breaks if: a lock or unlock path skips its {@code locksHeld} update (the waiter's handover in CoMutex.unlock,
     * CoRwLock.unlock's handover to a writer or to readers, their plain paths), a waiter in CoRwLock.wrlock/rdlock
     * does not yield, or readers()/isLocked() answer a constant.
     */
    @Test
    @DisplayName("B40: a lock handed over counts for the coroutine that gets it, which may then end cleanly")
    void aLockHandedOverCountsForTheCoroutineThatGetsIt_B40() throws Exception {
        List<String> seen = scheduler.inMainLoop(() -> {
            List<String> trace = new ArrayList<>();
            CoMutex mutex = new CoMutex();
            Coroutine a = Coroutine.create(() -> {
                mutex.lock();
                Coroutine.yield_();
                mutex.unlock();
            });
            Coroutine b = Coroutine.create(() -> {
                mutex.lock();
                trace.add("b has the mutex");
                mutex.unlock();
                Coroutine.yield_();
            });
            main.coEnter(a);
            main.coEnter(b);
            trace.add("locked " + mutex.isLocked());
            trace.add(ending(a));
            main.poll(false);
            trace.add(ending(b));
            trace.add("locked " + mutex.isLocked());

            CoRwLock rw = new CoRwLock();
            Coroutine w = Coroutine.create(() -> {
                rw.wrlock();
                Coroutine.yield_();
                rw.unlock();
            });
            Coroutine r = Coroutine.create(() -> {
                rw.rdlock();
                trace.add("r reads beside " + rw.readers());
                Coroutine.yield_();
                rw.unlock();
                Coroutine.yield_();
            });
            Coroutine w2 = Coroutine.create(() -> {
                rw.wrlock();
                trace.add("w2 writes");
                rw.unlock();
                Coroutine.yield_();
            });
            main.coEnter(w);
            main.coEnter(r);
            trace.add("r queued behind the writer");
            trace.add(ending(w));
            main.poll(false);
            main.coEnter(w2);
            trace.add("w2 queued behind the reader");
            main.coEnter(r);
            main.poll(false);
            trace.add(ending(r));
            trace.add(ending(w2));
            Coroutine alone = Coroutine.create(() -> {
                rw.rdlock();
                rw.unlock();
                Coroutine.yield_();
            });
            main.coEnter(alone);
            trace.add(ending(alone));
            return trace;
        });
        assertThat(seen).containsExactly("locked true", "ended", "b has the mutex", "ended", "locked false",
                "r queued behind the writer", "ended", "r reads beside 1", "w2 queued behind the reader",
                "w2 writes", "ended", "ended", "ended");
    }

    /** Enters {@code co} for its last step; what its end threw (the B40 check), or "ended". */
    private String ending(Coroutine co) {
        try {
            main.coEnter(co);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        return co.isTerminated() ? "ended" : "still running";
    }
}
