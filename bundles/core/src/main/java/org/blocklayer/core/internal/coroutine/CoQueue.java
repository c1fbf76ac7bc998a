package org.blocklayer.core.internal.coroutine;

import java.util.ArrayDeque;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * A queue of coroutines waiting for something ({@code CoQueue}, util/qemu-coroutine-lock.c). Waking goes through
 * each waiter's own context ({@code aio_co_wake}), so a waiter woken from another thread runs only after it yielded.
 */
public final class CoQueue implements org.blocklayer.api.coroutine.CoQueue {
    private final ArrayDeque<Coroutine> waiters = new ArrayDeque<>();

    /** {@code qemu_co_queue_wait}: yields until {@link #next()} or {@link #restartAll()} picks this coroutine. */
    @Override
    @CoroutineFn
    public void coWait() {
        Coroutine self = requireCoroutine("qemu_co_queue_wait");
        synchronized (waiters) {
            waiters.add(self);
        }
        Coroutine.yield_();
    }

    /**
     * {@code qemu_co_queue_wait} under the queue's lock ({@code qemu_co_queue_wait(&q, &lock)}): waits only while
     * {@code condition} holds, checked where a {@link #restartAll()} cannot slip in between the check and the wait;
     * false when it did not wait. Whoever ends the condition must make it false before it restarts the queue.
     */
    @CoroutineFn
    public boolean coWaitIf(java.util.function.BooleanSupplier condition) {
        Coroutine self = requireCoroutine("qemu_co_queue_wait");
        synchronized (waiters) {
            if (!condition.getAsBoolean()) {
                return false;
            }
            waiters.add(self);
        }
        Coroutine.yield_();
        return true;
    }

    /** {@code qemu_co_queue_next}: wakes the first waiter; false when there was none. */
    @Override
    public boolean next() {
        Coroutine co;
        synchronized (waiters) {
            co = waiters.poll();
        }
        if (co == null) {
            return false;
        }
        co.context().wake(co);
        return true;
    }

    /**
     * {@code qemu_co_queue_restart_all}: wakes the coroutines waiting now. Called outside a coroutine in their
     * context, each runs at once (aio_co_wake enters it); one that finds its condition still true and waits again
     * is not woken again by this call, which would otherwise spin until its condition changed (QEMU calls it from a
     * coroutine, whose wakes run only after it yields).
     */
    @Override
    public void restartAll() {
        List<Coroutine> now;
        synchronized (waiters) {
            now = List.copyOf(waiters);
            waiters.clear();
        }
        for (Coroutine co : now) {
            co.context().wake(co);
        }
    }

    public boolean isEmpty() {
        synchronized (waiters) {
            return waiters.isEmpty();
        }
    }

    static Coroutine requireCoroutine(String what) {
        Coroutine self = Coroutine.current();
        if (self == null) {
            throw new IllegalStateException(what + " outside a coroutine");
        }
        if (self.context() == null) {
            throw new IllegalStateException(what + " in a coroutine that runs in no AioContext");
        }
        return self;
    }
}
