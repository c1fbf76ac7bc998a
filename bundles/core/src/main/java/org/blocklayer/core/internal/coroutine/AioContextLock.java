package org.blocklayer.core.internal.coroutine;

/**
 * The AioContext lock ({@code aio_context_acquire}/{@code release}): recursive, and owned by a logical thread
 * ({@link Strand}), so that a coroutine running on a virtual thread on behalf of the context's home thread holds
 * exactly what that thread holds, as a QEMU coroutine does.
 */
final class AioContextLock {
    private Thread owner;
    private int holds;

    synchronized void acquire() {
        Thread me = Strand.current();
        boolean interrupted = false;
        while (owner != null && owner != me) {
            try {
                wait();
            } catch (InterruptedException e) {
                // The lock is not interruptible (neither is QEMU's); keep the interrupt for the caller.
                interrupted = true;
            }
        }
        owner = me;
        holds++;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void release() {
        if (owner != Strand.current()) {
            throw new IllegalStateException("aio_context_release by a thread that does not hold the lock: "
                    + Thread.currentThread().getName());
        }
        if (--holds == 0) {
            owner = null;
            notifyAll();
        }
    }

    synchronized int holdCount() {
        return owner == Strand.current() ? holds : 0;
    }
}
