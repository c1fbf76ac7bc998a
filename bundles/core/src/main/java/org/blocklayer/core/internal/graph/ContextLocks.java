package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;

/**
 * How global-state code holds AioContext locks around calls into an iothread.
 *
 * <p>{@link #holding}: the seed's rule, a non-coroutine caller of a co_wrapper holds the node's context lock, but
 * once only: held twice, {@code AIO_WAIT_WHILE} could drop one level and the context could never run what it waits
 * for (B29). Nested opens in one iothread (a format over its protocol child) would otherwise take it twice.
 *
 * <p>{@link #wrlock}: QEMU 8.2's {@code bdrv_graph_wrlock(bs)}. The writer waits for every reader to leave; a reader
 * in an iothread whose lock the main loop holds could not be re-entered to leave, so the iothread locks this thread
 * holds are dropped while the writer waits and taken back once it holds the lock.
 */
final class ContextLocks {
    private ContextLocks() {
    }

    /** Runs {@code work} holding {@code ctx}'s lock exactly as often as before, and at least once. */
    @GlobalStateCode
    static <T> T holding(EventLoop ctx, CoFn<T> work) throws BlockException {
        boolean take = ctx.lockHoldCount() == 0;
        if (take) {
            ctx.acquire();
        }
        try {
            return work.call();
        } finally {
            if (take) {
                ctx.release();
            }
        }
    }

    /** {@code bdrv_graph_wrlock} with this thread's iothread locks dropped while it waits for readers. */
    @GlobalStateCode
    static GraphLock.Writer wrlock(EventLoops scheduler, GraphLock graphLock) {
        List<EventLoop> dropped = new ArrayList<>();
        List<Integer> holds = new ArrayList<>();
        for (EventLoop ctx : scheduler.contexts()) {
            int n = ctx == scheduler.mainLoop() ? 0 : ctx.lockHoldCount();
            if (n > 0) {
                dropped.add(ctx);
                holds.add(n);
                for (int i = 0; i < n; i++) {
                    ctx.release();
                }
            }
        }
        try {
            return graphLock.wrlock();
        } finally {
            for (int i = 0; i < dropped.size(); i++) {
                for (int j = 0; j < holds.get(i); j++) {
                    dropped.get(i).acquire();
                }
            }
        }
    }
}
