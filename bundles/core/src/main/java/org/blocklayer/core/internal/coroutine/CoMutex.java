package org.blocklayer.core.internal.coroutine;

import java.util.ArrayDeque;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * A mutex for coroutines ({@code CoMutex}): a contended lock yields instead of blocking its thread, and unlock hands
 * the mutex straight to the first waiter, so no third coroutine can barge in between. Only the holder may unlock,
 * and a coroutine may not end while it holds one (B40, B41).
 */
public final class CoMutex implements org.blocklayer.api.coroutine.CoMutex {
    private final ArrayDeque<Coroutine> waiters = new ArrayDeque<>();
    private Coroutine holder;

    /** {@code qemu_co_mutex_lock}. */
    @Override
    @CoroutineFn
    public void lock() {
        Coroutine self = CoQueue.requireCoroutine("qemu_co_mutex_lock");
        synchronized (waiters) {
            if (holder == null) {
                holder = self;
                self.locksHeld(+1);
                return;
            }
            if (holder == self) {
                throw new IllegalStateException("CoMutex locked twice by the same coroutine");
            }
            waiters.add(self);
        }
        // Woken by unlock, which made us the holder before waking us.
        Coroutine.yield_();
    }

    /** {@code qemu_co_mutex_unlock}: only by the holder (B41). */
    @Override
    @CoroutineFn
    public void unlock() {
        Coroutine self = Coroutine.current();
        Coroutine next;
        synchronized (waiters) {
            if (self == null || holder != self) {
                throw new IllegalStateException("CoMutex unlocked by a coroutine that does not hold it");
            }
            self.locksHeld(-1);
            next = waiters.poll();
            holder = next;
            if (next != null) {
                next.locksHeld(+1);
            }
        }
        if (next != null) {
            next.context().wake(next);
        }
    }

    /** {@code qemu_co_mutex_assert_locked}. */
    public boolean isLocked() {
        synchronized (waiters) {
            return holder != null;
        }
    }
}
