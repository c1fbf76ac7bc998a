package org.blocklayer.core.internal.coroutine;

import java.util.ArrayDeque;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * A fair reader/writer lock for coroutines ({@code CoRwlock}): requests are served in arrival order, so a reader
 * that arrives while a writer waits queues behind it (B41); unlock wakes the next compatible waiters, granting them
 * the lock before they run.
 */
public final class CoRwLock {
    private final ArrayDeque<Ticket> tickets = new ArrayDeque<>();
    private int readers;
    private boolean writer;

    private record Ticket(Coroutine co, boolean write) {
    }

    /** {@code qemu_co_rwlock_rdlock}. */
    @CoroutineFn
    public void rdlock() {
        Coroutine self = CoQueue.requireCoroutine("qemu_co_rwlock_rdlock");
        synchronized (tickets) {
            if (!writer && tickets.isEmpty()) {
                readers++;
                self.locksHeld(+1);
                return;
            }
            tickets.add(new Ticket(self, false));
        }
        Coroutine.yield_();
    }

    /** {@code qemu_co_rwlock_wrlock}. */
    @CoroutineFn
    public void wrlock() {
        Coroutine self = CoQueue.requireCoroutine("qemu_co_rwlock_wrlock");
        synchronized (tickets) {
            if (!writer && readers == 0 && tickets.isEmpty()) {
                writer = true;
                self.locksHeld(+1);
                return;
            }
            tickets.add(new Ticket(self, true));
        }
        Coroutine.yield_();
    }

    /** {@code qemu_co_rwlock_unlock}. */
    @CoroutineFn
    public void unlock() {
        Coroutine self = Coroutine.current();
        ArrayDeque<Coroutine> wake = new ArrayDeque<>();
        synchronized (tickets) {
            if (self == null || !writer && readers == 0) {
                throw new IllegalStateException("CoRwlock unlocked while not held");
            }
            self.locksHeld(-1);
            if (writer) {
                writer = false;
            } else {
                readers--;
            }
            if (readers == 0 && !tickets.isEmpty() && tickets.peek().write()) {
                Ticket t = tickets.poll();
                writer = true;
                t.co().locksHeld(+1);
                wake.add(t.co());
            } else {
                while (!writer && !tickets.isEmpty() && !tickets.peek().write()) {
                    Ticket t = tickets.poll();
                    readers++;
                    t.co().locksHeld(+1);
                    wake.add(t.co());
                }
            }
        }
        for (Coroutine co : wake) {
            co.context().wake(co);
        }
    }

    /** Readers holding the lock now (for tests and diagnostics). */
    public int readers() {
        synchronized (tickets) {
            return readers;
        }
    }
}
