package org.blocklayer.core.internal.graph;

import java.util.concurrent.TimeUnit;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.core.internal.coroutine.Coroutine;

/**
 * Holds back a request from outside while a driver its node needs has gone and may come back (X2): the way QEMU's
 * BlockBackend holds requests while its node is drained ({@code blk_wait_while_drained}), before any graph lock is
 * taken, so a waiting request never stalls a writer. Gives up after the graph's detach timeout; the request then
 * fails with ENOMEDIUM as it would have at once.
 */
final class MediumWait {
    /** How often a waiting request looks again: short next to any timeout worth setting. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private MediumWait() {
    }

    @CoroutineFn
    static void await(BlockDriverState bs, long timeoutNanos) {
        if (timeoutNanos <= 0 || !waitsForDriver(bs)) {
            return;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (waitsForDriver(bs)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Coroutine.sleep(Math.min(left, POLL_NANOS));
        }
    }

    /** The node or a node below it lost a driver that may come back. */
    static boolean waitsForDriver(BlockDriverState bs) {
        if (bs.driver() == null && bs.goneDriver() != null) {
            return true;
        }
        for (BdrvChild edge : bs.childEdges()) {
            if (waitsForDriver(edge.node())) {
                return true;
            }
        }
        return false;
    }
}
