package org.blocklayer.core.internal.graph;

import java.util.Collection;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;

/**
 * Drained sections (block/io.c): {@code bdrv_drained_begin} quiesces a node and every node above it, then polls
 * until none of them has a request in flight. Sections nest: a driver hears {@code drainBegin} only on the first
 * and {@code drainEnd} only on the last (B39); recursion into parents never polls, only the outermost call does.
 * From a coroutine, the drain runs in a bottom half of the node's context while the coroutine yields (B38).
 */
final class Drain {
    private final EventLoops scheduler;
    private final Collection<BlockDriverState> allNodes;
    /** {@code bdrv_drain_all_count}: nodes created meanwhile start drained this many times (B13). */
    private int drainAllCount;

    Drain(EventLoops scheduler, Collection<BlockDriverState> allNodes) {
        this.scheduler = scheduler;
        this.allNodes = allNodes;
    }

    int drainAllCount() {
        return drainAllCount;
    }

    /** {@code bdrv_drained_begin}. */
    void drainedBegin(BlockDriverState bs) {
        if (Coroutine.inCoroutine()) {
            coYieldToDrain(bs, true);
            return;
        }
        quiesce(bs);
        poll(bs.aioContext(), () -> pendingHereOrAbove(bs));
    }

    /** {@code bdrv_drained_end}. */
    void drainedEnd(BlockDriverState bs) {
        if (Coroutine.inCoroutine()) {
            coYieldToDrain(bs, false);
            return;
        }
        unquiesce(bs);
    }

    /** {@code bdrv_drain_all_begin}: every node quiesced, then polled until nothing is in flight. */
    @GlobalStateCode
    void drainAllBegin() {
        drainAllBeginNoPoll();
        poll(scheduler.mainLoop(), () -> allNodes.stream().anyMatch(n -> n.drainState().inFlight() > 0
                || n.users().backends().stream().anyMatch(blk -> blk.inFlight() > 0 || blk.drainedPoll())));
    }

    /** {@code bdrv_drain_all_begin_nopoll}: what the graph write lock does before waiting for readers. */
    @GlobalStateCode
    void drainAllBeginNoPoll() {
        scheduler.assertMainLoop("bdrv_drain_all_begin");
        drainAllCount++;
        for (BlockDriverState bs : allNodes) {
            quiesceOne(bs);
        }
    }

    /** {@code bdrv_drain_all_end}. */
    @GlobalStateCode
    void drainAllEnd() {
        scheduler.assertMainLoop("bdrv_drain_all_end");
        if (drainAllCount == 0) {
            throw new IllegalStateException("bdrv_drain_all_end without bdrv_drain_all_begin");
        }
        drainAllCount--;
        for (BlockDriverState bs : allNodes) {
            unquiesceOne(bs);
        }
    }

    private void quiesce(BlockDriverState bs) {
        quiesceOne(bs);
        for (BdrvChild parentEdge : bs.edges().parents()) {
            quiesce(parentEdge.parent());
        }
    }

    private void unquiesce(BlockDriverState bs) {
        unquiesceOne(bs);
        for (BdrvChild parentEdge : bs.edges().parents()) {
            unquiesce(parentEdge.parent());
        }
    }

    private static void quiesceOne(BlockDriverState bs) {
        if (bs.drainState().quiesce(+1) == 1) {
            BlockDriver d = bs.driver();
            if (d != null) {
                d.drainBegin(bs);
            }
            // bdrv_parent_drained_begin: the node's BlockBackends tell their users (blk_root_drained_begin).
            for (BlockBackendImpl blk : bs.users().backends()) {
                blk.drainedBegin();
            }
        }
    }

    private static void unquiesceOne(BlockDriverState bs) {
        int now = bs.drainState().quiesce(-1);
        if (now < 0) {
            bs.drainState().quiesce(+1);
            throw new IllegalStateException("bdrv_drained_end on " + bs + " without a matching begin");
        }
        if (now == 0) {
            BlockDriver d = bs.driver();
            if (d != null) {
                d.drainEnd(bs);
            }
            for (BlockBackendImpl blk : bs.users().backends()) {
                blk.drainedEnd();
            }
            bs.drainState().wakeDrainedWaiters();
        }
    }

    private static boolean pendingHereOrAbove(BlockDriverState bs) {
        if (bs.drainState().inFlight() > 0) {
            return true;
        }
        // blk_root_drained_poll: a backend's request that got past its drained check is in flight until it ends.
        for (BlockBackendImpl blk : bs.users().backends()) {
            if (blk.inFlight() > 0 || blk.drainedPoll()) {
                return true;
            }
        }
        for (BdrvChild parentEdge : bs.edges().parents()) {
            if (pendingHereOrAbove(parentEdge.parent())) {
                return true;
            }
        }
        return false;
    }

    private void poll(EventLoop ctx, java.util.function.BooleanSupplier pending) {
        scheduler.aioWait().waitWhile(ctx, pending);
    }

    /**
     * {@code bdrv_co_yield_to_drain}: the drain runs in a bottom half of bs's context, under that context's lock
     * ({@code bdrv_co_drain_bh_cb}), while the coroutine yields; it resumes only once the drain is done. A lock of
     * bs's context that the coroutine's thread holds is dropped across the yield, or that bottom half could never
     * take it; in the coroutine's own context the yield itself lets go of what the entry took. bs counts one more
     * request in flight until the bottom half runs, so a concurrent drain of bs waits for this one to begin.
     */
    @CoroutineFn
    private void coYieldToDrain(BlockDriverState bs, boolean begin) {
        Coroutine self = Coroutine.current();
        EventLoop ctx = bs.aioContext();
        CoDrainData data = new CoDrainData();
        bs.drainState().incInFlight();
        int dropped = ctx != self.context() ? ctx.lockHoldCount() : 0;
        for (int i = 0; i < dropped; i++) {
            ctx.release();
        }
        ctx.schedule(() -> {
            ctx.acquire();
            try {
                bs.drainState().decInFlight();
                if (begin) {
                    drainedBegin(bs);
                } else {
                    drainedEnd(bs);
                }
            } catch (RuntimeException e) {
                data.failure = e;
            } finally {
                ctx.release();
            }
            data.done = true;
            self.context().wake(self);
        });
        Coroutine.yield_();
        for (int i = 0; i < dropped; i++) {
            ctx.acquire();
        }
        if (!data.done) {
            // QEMU asserts: something other than the drain's bottom half entered the coroutine.
            throw new IllegalStateException("bdrv_co_yield_to_drain: the coroutine was resumed before its drain was"
                    + " done");
        }
        if (data.failure != null) {
            throw data.failure;
        }
    }

    /** What the coroutine and its drain's bottom half share ({@code BdrvCoDrainData}). */
    private static final class CoDrainData {
        volatile boolean done;
        volatile RuntimeException failure;
    }
}
