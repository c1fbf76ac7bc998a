package org.blocklayer.core.internal.graph;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.Timer;
import org.blocklayer.core.internal.coroutine.CoQueue;
import org.blocklayer.core.internal.coroutine.Coroutine;

/**
 * Holds back a request from outside while a driver its node needs has gone and may come back (X2): the way QEMU's
 * BlockBackend holds requests while its node is drained ({@code blk_wait_while_drained}), before any graph lock is
 * taken, so a waiting request never stalls a writer. Gives up after the graph's detach timeout; the request then
 * fails with ENOMEDIUM as it would have at once.
 */
final class MediumWait {
    private MediumWait() {
    }

    /**
     * Waits, yielding, while {@code bs} or a node below it has lost a driver that may come back, at most
     * {@code timeoutNanos} on the graph's {@link WaitClock}. No polling: the graph restarts its medium waiters
     * whenever a driver comes back or a node goes, and a timer restarts them at this waiter's deadline (the others
     * look at their own and wait again).
     */
    @CoroutineFn
    static void await(BlockDriverState bs, long timeoutNanos) {
        if (timeoutNanos <= 0 || !waitsForDriver(bs)) {
            return;
        }
        CoQueue waiters = bs.graph().mediumWaiters();
        WaitClock clock = bs.graph().waitClock();
        long deadline = clock.nanoTime() + timeoutNanos;
        Timer timer = clock.after(Coroutine.current().context(), timeoutNanos, waiters::restartAll);
        try {
            while (waiters.coWaitIf(() -> waitsForDriver(bs) && clock.nanoTime() - deadline < 0)) {
                // Woken: the loop's condition looks again.
            }
        } finally {
            timer.cancel();
        }
    }

    /**
     * The node or a node below it lost a driver that may come back, or is getting it back: a driver's open may poll
     * its context (nbd's connects on a worker meanwhile), and no request may reach the driver before it is open.
     */
    static boolean waitsForDriver(BlockDriverState bs) {
        NodeMedium.State medium = bs.medium().state();
        if (medium.goneDriver() != null && (medium.driver() == null || medium.reattaching())) {
            return true;
        }
        for (BdrvChild edge : bs.edges().children()) {
            if (waitsForDriver(edge.node())) {
                return true;
            }
        }
        return false;
    }
}
