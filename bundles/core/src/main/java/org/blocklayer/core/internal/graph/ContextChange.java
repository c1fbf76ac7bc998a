package org.blocklayer.core.internal.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.AioContextAttach;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * Moving nodes to another AioContext ({@code bdrv_try_change_aio_context}, block.c). Nodes joined by an edge share
 * one context, so a move takes the whole connected subgraph: children and parents, recursively.
 *
 * <p>Two phases, as in QEMU: first every node of the subgraph is asked whether it can follow (QEMU's
 * {@code bdrv_parent_can_set_aio_ctx}; here a node can, unless the user pinned it with {@code pin-context=on} or one of its BlockBackends forbids it,
 * {@code blk_root_can_set_aio_ctx}),
 * and one refusal refuses the move with nothing changed (EBUSY). Then, with every node of the subgraph drained and
 * the graph write-locked, each node's context is switched. Drivers with {@link AioContextAttach} hear it: each
 * moving node's driver is detached from the old context in that context's thread before the switch, and attached to
 * the new one in its thread after it ({@code bdrv_detach_aio_context}, {@code bdrv_attach_aio_context}), all while
 * the nodes are drained; so do the users of the nodes' BlockBackends ({@code BlockDevOps}, the AioContext notifiers
 * of {@code blk_add_aio_context_notifier}), before the driver on the way out and after it on the way in.
 */
final class ContextChange {
    /** The open option that pins a node to its context; consumed by {@link NodeOpener}. */
    static final String PIN_OPTION = "pin-context";

    private final Graph graph;

    ContextChange(Graph graph) {
        this.graph = graph;
    }

    /** {@code bdrv_try_change_aio_context(bs, target)}. */
    @GlobalStateCode
    void change(BlockDriverState bs, EventLoop target) throws BlockException {
        graph.scheduler().assertMainLoop("bdrv_try_change_aio_context");
        Set<BlockDriverState> subgraph = connected(bs);
        List<BlockDriverState> moving = subgraph.stream().filter(n -> n.aioContext() != target).toList();
        if (moving.isEmpty()) {
            return;
        }
        for (BlockDriverState n : moving) {
            if (n.isContextPinned()) {
                throw new BlockException(Errno.EBUSY, "Cannot move node '" + bs.nodeName() + "' to AioContext '"
                        + target.name() + "': " + (n == bs ? "it" : "node '" + n.nodeName() + "'")
                        + " is pinned to AioContext '" + n.aioContext().name() + "' (" + PIN_OPTION + "=on)");
            }
            for (BlockBackendImpl blk : n.users().backends()) {
                if (!blk.allowsAioContextChange()) {
                    // blk_root_can_set_aio_ctx's refusal, naming who holds the node there.
                    throw new BlockException(Errno.EBUSY, "Cannot move node '" + bs.nodeName() + "' to AioContext '"
                            + target.name() + "': " + blk.userDescription() + " uses "
                            + (n == bs ? "it" : "node '" + n.nodeName() + "'")
                            + " and cannot change iothread of active block backend");
                }
            }
        }
        Drain drain = graph.drainer();
        List<BlockDriverState> drained = new ArrayList<>();
        try {
            for (BlockDriverState n : moving) {
                ContextLocks.holding(n.aioContext(), () -> {
                    drain.drainedBegin(n);
                    return null;
                });
                drained.add(n);
            }
            List<BlockDriverState> detached = new ArrayList<>();
            try {
                for (BlockDriverState n : moving) {
                    detached.add(n);
                    // bdrv_detach_aio_context: the node's AioContext notifiers first, then its driver.
                    EventLoop old = n.aioContext();
                    for (BlockBackendImpl blk : n.users().backends()) {
                        if (blk.hasDevOps()) {
                            inContext(old, () -> blk.detachAioContext(old));
                        }
                    }
                    callDriver(n, (cb, node) -> cb.detachAioContext(node), "detach from");
                }
                try (GraphLock.Writer w = graph.wrlock()) {
                    switchContexts(moving, target);
                }
            } finally {
                // Where each node is now: the target, or still the old context when the switch failed.
                for (BlockDriverState n : detached) {
                    callDriver(n, (cb, node) -> cb.attachAioContext(node, node.aioContext()), "attach to");
                    EventLoop now = n.aioContext();
                    for (BlockBackendImpl blk : n.users().backends()) {
                        if (blk.hasDevOps()) {
                            inContext(now, () -> blk.attachedAioContext(now));
                        }
                    }
                }
            }
        } finally {
            for (BlockDriverState n : drained) {
                ContextLocks.holding(n.aioContext(), () -> {
                    drain.drainedEnd(n);
                    return null;
                });
            }
        }
    }

    /**
     * {@code bdrv_attach_child_common}'s context check, before {@code child} becomes a child of {@code parent}: the
     * parent (new, or at least the newer side) joins the child's context; if it cannot, the child's subgraph joins
     * the parent's; if neither can, EBUSY and nothing changed.
     */
    @GlobalStateCode
    void join(BlockDriverState parent, BlockDriverState child, String childName) throws BlockException {
        if (parent.aioContext() == child.aioContext()) {
            return;
        }
        EventLoop parentCtx = parent.aioContext();
        try {
            change(parent, child.aioContext());
        } catch (BlockException parentStays) {
            if (parentStays.errno() != Errno.EBUSY) {
                throw parentStays;
            }
            try {
                change(child, parentCtx);
            } catch (BlockException childStays) {
                if (childStays.errno() != Errno.EBUSY) {
                    throw childStays;
                }
                throw new BlockException(Errno.EBUSY, "Cannot attach node '" + child.nodeName() + "' as child '"
                        + childName + "' of node '" + parent.nodeName() + "': they are in different AioContexts ('"
                        + child.aioContext().name() + "', '" + parentCtx.name() + "') and neither can move: "
                        + parentStays.getMessage() + "; " + childStays.getMessage());
            }
        }
    }

    /** Every node reachable from {@code bs} over edges in either direction, {@code bs} first. */
    static Set<BlockDriverState> connected(BlockDriverState bs) {
        Set<BlockDriverState> seen = new LinkedHashSet<>();
        Deque<BlockDriverState> todo = new ArrayDeque<>();
        todo.add(bs);
        while (!todo.isEmpty()) {
            BlockDriverState n = todo.poll();
            if (seen.add(n)) {
                n.edges().children().forEach(e -> todo.add(e.node()));
                n.edges().parents().forEach(e -> todo.add(e.parent()));
            }
        }
        return seen;
    }

    /**
     * Calls {@code n}'s driver back, if it has {@link AioContextAttach}, in the home thread of {@code n}'s context,
     * and waits for it, polling the main loop meanwhile with that context's lock dropped (AIO_WAIT_WHILE). A driver
     * that throws is reported and the move goes on: neither QEMU callback can fail.
     */
    @GlobalStateCode
    private void callDriver(BlockDriverState n, Callback callback, String what) {
        BlockDriver d = n.driver();
        if (!(d instanceof AioContextAttach cb)) {
            return;
        }
        EventLoop ctx = n.aioContext();
        inContext(ctx, () -> {
            try {
                callback.call(cb, n);
            } catch (RuntimeException e) {
                graph.log().warn("driver {} failed to {} AioContext {} for node {}", d.formatName(), what,
                        ctx.name(), n.nodeName(), e);
            }
        });
    }

    /**
     * Runs {@code call} in the home thread of {@code ctx} and waits for it, polling the main loop meanwhile with that
     * context's lock dropped (AIO_WAIT_WHILE).
     */
    @GlobalStateCode
    private void inContext(EventLoop ctx, Runnable call) {
        if (ctx.isCurrent()) {
            call.run();
            return;
        }
        AtomicBoolean done = new AtomicBoolean();
        ctx.schedule(() -> {
            try {
                call.run();
            } finally {
                done.set(true);
                graph.scheduler().aioWait().kick();
            }
        });
        graph.scheduler().aioWait().waitWhile(ctx, () -> !done.get());
    }

    /** One of the two {@link AioContextAttach} callbacks. */
    @FunctionalInterface
    private interface Callback {
        void call(AioContextAttach driver, BlockDriverState node);
    }

    /**
     * {@code bdrv_set_aio_context_commit}, under the write lock with every moving node drained: no request and no
     * reader touches them. Unlike QEMU it takes no context lock here: a thread holding an iothread's lock may be
     * waiting in that iothread for a reader parked behind this very writer, and would never let go (the stress run
     * found that deadlock).
     */
    private static void switchContexts(List<BlockDriverState> moving, EventLoop target) {
        for (BlockDriverState n : moving) {
            n.setAioContext(target);
        }
    }
}
