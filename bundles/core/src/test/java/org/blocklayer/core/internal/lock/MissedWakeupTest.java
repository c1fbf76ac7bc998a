package org.blocklayer.core.internal.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;
import org.blocklayer.core.internal.coroutine.AioWait;
import org.blocklayer.core.internal.coroutine.ReaderCount;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * B36, the upstream missed wakeup forced step by step. QEMU 8.0's writer clears {@code has_writer} while it polls
 * for readers, and its {@code bdrv_graph_co_rdunlock} kicks only when {@code has_writer} is set. So: the writer
 * counts a reader that still holds the lock (its condition is true, it is about to block in its poll), and only
 * then the reader unlocks, seeing {@code has_writer == 0}. Without a kick from that unlock the writer sleeps
 * forever. The interleaving is forced through the one thing the writer does between clearing {@code has_writer}
 * and blocking: summing the readers over the contexts, whose iteration this test's {@link EventLoops} hooks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MissedWakeupTest {
    private final Scheduler scheduler = new Scheduler();
    private final EventLoop main = scheduler.mainLoop();
    /** Runs once, in the writer, right after its next sum of the readers. */
    private final AtomicReference<Runnable> afterNextSum = new AtomicReference<>();
    private final GraphRwLock lock = new GraphRwLock(new HookedLoops(scheduler, afterNextSum));

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    /**
     * Breaks if: GraphRwLock.rdunlock kicks only while {@code hasWriter} is set (QEMU 8.0's
     * {@code if (qatomic_read(&has_writer))}) instead of whenever a writer waits.
     */
    @Test
    @DisplayName("B36: a reader that unlocks after the writer counted it, in the writer's poll window, wakes it")
    void aReaderThatUnlocksAfterTheWriterCountedItInThePollWindowWakesIt_B36() throws Exception {
        EventLoop io = scheduler.createIoThread("reader");
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch unlocked = new CountDownLatch(1);
        Coroutine reader = Coroutine.create(() -> {
            GraphLock.Reader r = lock.coRdlock();
            locked.countDown();
            Coroutine.yield_();
            r.close();
            unlocked.countDown();
        });
        io.coEnter(reader);
        assertThat(locked.await(5, TimeUnit.SECONDS)).isTrue();

        CountDownLatch writerQueued = new CountDownLatch(1);
        AtomicBoolean hasWriterWhenCounted = new AtomicBoolean(true);
        AtomicBoolean readerGoneWhenCounted = new AtomicBoolean();
        afterNextSum.set(() -> {
            hasWriterWhenCounted.set(lock.hasWriter());
            readerGoneWhenCounted.set(unlocked.getCount() == 0);
            // Whatever kicked the main loop so far (queueing the writer) is taken: from here on only the reader's
            // unlock can wake it.
            await(writerQueued);
            main.notifyAccept();
            io.scheduleCoroutine(reader);
            await(unlocked);
        });
        CompletableFuture<Long> writer = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            try (GraphLock.Writer w = lock.wrlock()) {
                writer.complete(lock.readerCount());
            } catch (Throwable t) {
                writer.completeExceptionally(t);
            }
        });
        writerQueued.countDown();

        assertThat(writer.get(5, TimeUnit.SECONDS)).isZero();
        assertThat(afterNextSum.get()).as("the hook ran").isNull();
        assertThat(hasWriterWhenCounted).as("counted in the poll window").isFalse();
        assertThat(readerGoneWhenCounted).as("the reader was counted while it held the lock").isFalse();
    }

    /**
     * B34, "returns only when the summed reader_count == 0": a reader that takes the lock after the writer's poll saw
     * no reader but before the writer set {@code has_writer} is counted by the writer's second look, and the writer
     * waits for it. Forced: the reader locks inside the hook after the sum that ended the poll; it lets go only at
     * the writer's next sum after that second look, which a writer that wrongly proceeded never makes. Breaks if:
     * GraphRwLock.wrlock's {@code while (readerCount() >= 1)} becomes {@code > 1} (a PIT mutant survived before this
     * test) or the second look goes.
     */
    @Test
    @DisplayName("B34: a reader that slips in between the writer's poll and has_writer is waited for")
    void aReaderThatSlipsInBeforeHasWriterIsWaitedFor_B34() throws Exception {
        EventLoop io = scheduler.createIoThread("late-reader");
        CountDownLatch holds = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean holding = new AtomicBoolean();
        Coroutine reader = Coroutine.create(() -> {
            GraphLock.Reader r = lock.coRdlock();
            holding.set(true);
            holds.countDown();
            await(release);
            holding.set(false);
            r.close();
        });
        // Sum 1 ends the poll (no reader yet): the reader takes the lock right then. Sum 2 is the writer's second
        // look, with has_writer set. Sum 3, the poll again, is where a correct writer waits: the reader goes.
        afterNextSum.set(() -> {
            io.coEnter(reader);
            await(holds);
            afterNextSum.set(() -> afterNextSum.set(release::countDown));
        });
        CompletableFuture<Boolean> readerHeldWhenWriterGotIn = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            try (GraphLock.Writer w = lock.wrlock()) {
                readerHeldWhenWriterGotIn.complete(holding.get());
            } catch (Throwable t) {
                readerHeldWhenWriterGotIn.completeExceptionally(t);
            }
            release.countDown();
        });

        assertThat(readerHeldWhenWriterGotIn.get(10, TimeUnit.SECONDS)).as("the writer got in while a reader held")
                .isFalse();
        assertThat(holds.getCount()).as("the reader took the lock in the window").isZero();
    }

    /**
     * B33: wrunlock wakes the readers parked under this writer, once: the next writer's unlock has nobody left to
     * wake. The reader, once through, yields again and waits for the test's own wake, so a second wake from the next
     * unlock would resume it early. Breaks if: wrunlock keeps its queue ({@code readerQueue.clear()} dropped, a PIT
     * mutant that survived before this test).
     */
    @Test
    @DisplayName("B33: parked readers are woken by the unlock of the writer they waited for, and only by it")
    void parkedReadersAreWokenOnceByTheirWritersUnlock_B33() throws Exception {
        EventLoop io = scheduler.createIoThread("parked-reader");
        AtomicInteger readLocked = new AtomicInteger();
        AtomicInteger resumedAfterwards = new AtomicInteger();
        CountDownLatch through = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Coroutine reader = Coroutine.create(() -> {
            try (GraphLock.Reader r = lock.coRdlock()) {
                readLocked.incrementAndGet();
            }
            through.countDown();
            Coroutine.yield_();
            resumedAfterwards.incrementAndGet();
            finished.countDown();
        });
        CompletableFuture<Void> first = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            try {
                GraphLock.Writer w = lock.wrlock();
                io.scheduleCoroutine(reader);
                // Behind the reader in io's queue: by the time this runs there, the reader has parked.
                io.schedule(() -> main.schedule(() -> {
                    w.close();
                    first.complete(null);
                }));
            } catch (Throwable t) {
                first.completeExceptionally(t);
            }
        });
        first.get(10, TimeUnit.SECONDS);
        assertThat(through.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Integer> afterSecondUnlock = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            try {
                lock.wrlock().close();
                // Queued in io after any wake that unlock sent there.
                io.schedule(() -> afterSecondUnlock.complete(resumedAfterwards.get()));
            } catch (Throwable t) {
                afterSecondUnlock.completeExceptionally(t);
            }
        });
        assertThat(afterSecondUnlock.get(10, TimeUnit.SECONDS)).as("woken again by the next writer").isZero();
        assertThat(readLocked).hasValue(1);
        io.scheduleCoroutine(reader);
        assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    @DisplayName("B34: wrlock and wrunlock only from the main loop")
    void theWriteLockIsTakenAndReleasedInTheMainLoopOnly_B34() throws Exception {
        assertThatThrownBy(lock::wrlock).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bdrv_graph_wrlock");
        CompletableFuture<GraphLock.Writer> held = new CompletableFuture<>();
        main.scheduleTopLevel(() -> held.complete(lock.wrlock()));
        GraphLock.Writer w = held.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(w::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bdrv_graph_wrunlock");
        CompletableFuture<Void> closed = new CompletableFuture<>();
        main.scheduleTopLevel(() -> {
            w.close();
            closed.complete(null);
        });
        closed.get(10, TimeUnit.SECONDS);
        assertThat(lock.hasWriter()).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the forced interleaving did not happen within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The scheduler's event loops, except that iterating {@link #contexts()} to its end runs the armed hook once. */
    private record HookedLoops(Scheduler loops, AtomicReference<Runnable> afterNextSum) implements EventLoops {
        @Override
        public List<EventLoop> contexts() {
            List<EventLoop> all = loops.contexts();
            return new AbstractList<>() {
                @Override
                public EventLoop get(int index) {
                    return all.get(index);
                }

                @Override
                public int size() {
                    return all.size();
                }

                @Override
                public Iterator<EventLoop> iterator() {
                    Iterator<EventLoop> it = all.iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            boolean more = it.hasNext();
                            if (!more) {
                                Runnable hook = afterNextSum.getAndSet(null);
                                if (hook != null) {
                                    hook.run();
                                }
                            }
                            return more;
                        }

                        @Override
                        public EventLoop next() {
                            return it.next();
                        }
                    };
                }
            };
        }

        @Override
        public EventLoop mainLoop() {
            return loops.mainLoop();
        }

        @Override
        public EventLoop createIoThread(String name) {
            return loops.createIoThread(name);
        }

        @Override
        public void destroyIoThread(EventLoop ctx) {
            loops.destroyIoThread(ctx);
        }

        @Override
        public ReaderCount orphanedReaders() {
            return loops.orphanedReaders();
        }

        @Override
        public AioWait aioWait() {
            return loops.aioWait();
        }

        @Override
        public boolean inMainThread() {
            return loops.inMainThread();
        }

        @Override
        public void assertMainLoop(String what) {
            loops.assertMainLoop(what);
        }

        @Override
        public <T> T inMainLoop(CoFn<T> work) throws BlockException {
            return loops.inMainLoop(work);
        }
    }
}
