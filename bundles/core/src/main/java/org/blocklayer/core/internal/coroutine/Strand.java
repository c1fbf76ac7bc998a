package org.blocklayer.core.internal.coroutine;

/**
 * The thread a piece of code logically runs on. With continuations a coroutine runs on the thread that entered it;
 * with the virtual-thread backend it runs on a virtual thread while the entering thread waits, and logically it is
 * still on that thread: in its context's home thread, holding what that thread holds.
 */
final class Strand {
    private Strand() {
    }

    static Thread current() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            Thread logical = VirtualThreadBackend.logicalThreadOf(t);
            if (logical != null) {
                return logical;
            }
        }
        return t;
    }
}
