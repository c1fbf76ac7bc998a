package org.blocklayer.core.internal.coroutine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * {@code AIO_WAIT_WHILE} and {@code aio_wait_kick} (include/block/aio-wait.h): polls until a condition turns false.
 *
 * <p>In the context's own thread it polls that context and never touches its lock (B30). From the main loop,
 * waiting on another context, it drops that context's lock around each poll of the main loop so the other thread
 * can take it to run the awaited coroutine, and takes it back after (B28). Any other caller is refused (B31).
 */
public final class AioWait {
    private final Scheduler scheduler;
    private final AtomicInteger numWaiters = new AtomicInteger();

    AioWait(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** {@code AIO_WAIT_WHILE(ctx, cond)}. */
    public void waitWhile(EventLoop ctx, BooleanSupplier cond) {
        waitWhile(ctx, cond, true);
    }

    /** {@code AIO_WAIT_WHILE_UNLOCKED(ctx, cond)}: never touches any context lock (B30). */
    public void waitWhileUnlocked(EventLoop ctx, BooleanSupplier cond) {
        waitWhile(ctx, cond, false);
    }

    private void waitWhile(EventLoop ctx, BooleanSupplier cond, boolean unlock) {
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("AIO_WAIT_WHILE called in a coroutine: use a coroutine wait instead");
        }
        EventLoop target = ctx == null ? scheduler.mainLoop() : ctx;
        numWaiters.incrementAndGet();
        try {
            if (target.isCurrent()) {
                while (cond.getAsBoolean()) {
                    target.poll(true);
                }
                return;
            }
            EventLoop main = scheduler.mainLoop();
            if (!main.isCurrent()) {
                EventLoop here = EventLoop.currentOrNull();
                throw new IllegalStateException("AIO_WAIT_WHILE on " + target + " from "
                        + (here == null ? "thread " + Thread.currentThread().getName() : here.toString())
                        + ": only the main loop may wait on another context");
            }
            int holds = unlock ? target.lockHoldCount() : 0;
            if (holds > 1) {
                // QEMU would deadlock here: the other thread's scheduled coroutine blocks on the lock we keep (B29).
                throw new IllegalStateException("AIO_WAIT_WHILE on " + target + " with its lock held " + holds
                        + " times: it can release only one level, so the awaited coroutine could never run");
            }
            while (cond.getAsBoolean()) {
                if (holds == 1) {
                    target.release();
                }
                try {
                    main.poll(true);
                } finally {
                    if (holds == 1) {
                        target.acquire();
                    }
                }
            }
        } finally {
            numWaiters.decrementAndGet();
        }
    }

    /** {@code aio_wait_kick}: wakes the main loop when someone waits in it (B31). */
    public void kick() {
        if (numWaiters.get() > 0) {
            scheduler.mainLoop().kick();
        }
    }

    int waiters() {
        return numWaiters.get();
    }
}
