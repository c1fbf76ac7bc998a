package org.blocklayer.core.internal.coroutine;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;

/**
 * What QEMU's {@code bdrv_co_enter}/{@code bdrv_co_leave} give a coroutine whose node lives in another context: the
 * call runs there. QEMU moves the caller ({@code aio_co_reschedule_self}); here a new coroutine runs the call in the
 * target context while the caller waits in its own. A JDK continuation must not change platform threads halfway:
 * compiled code keeps {@code Thread.currentThread()} across calls (the JDK assumes it fixed within a compiled frame
 * unless marked {@code @ChangesCurrentThread}), so a moved caller would go on believing it runs where it started.
 */
public final class CoCallIn {
    private CoCallIn() {
    }

    /** Runs {@code call} in a new coroutine entered in {@code target}; the caller yields until it is done. */
    @CoroutineFn
    public static <T> T context(EventLoop target, CoFn<T> call) throws BlockException {
        Coroutine self = CoQueue.requireCoroutine("a call in another AioContext");
        EventLoop mine = self.context();
        Outcome<T> outcome = new Outcome<>();
        Coroutine co = Coroutine.create(() -> {
            try {
                outcome.value = call.call();
            } catch (Throwable t) {
                outcome.failure = t;
            } finally {
                outcome.done = true;
                // A bottom half of the caller's context runs only while the caller is not running there; it wakes
                // the caller only if the caller still waits below (another wakeup may have let it go on already).
                mine.schedule(() -> {
                    if (outcome.callerWaits) {
                        mine.wake(self);
                    }
                });
            }
        });
        target.scheduleCoroutine(co);
        while (!outcome.done) {
            outcome.callerWaits = true;
            try {
                Coroutine.yield_();
            } finally {
                outcome.callerWaits = false;
            }
        }
        if (outcome.failure != null) {
            throw Rethrow.as(outcome.failure, BlockException.class);
        }
        return outcome.value;
    }

    private static final class Outcome<T> {
        volatile boolean done;
        /** Read and written on the caller's context thread only. */
        boolean callerWaits;
        T value;
        Throwable failure;
    }
}
