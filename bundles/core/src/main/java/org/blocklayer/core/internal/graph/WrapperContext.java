package org.blocklayer.core.internal.graph;

import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;

/**
 * Which context a generated wrapper runs its coroutine in, chosen from its first argument as block-gen.c does
 * (B25): a node's own context, a child edge's child node's context, a BlockBackend's context
 * ({@code blk_get_aio_context}: its root node's), otherwise the main loop.
 */
final class WrapperContext {
    private WrapperContext() {
    }

    static EventLoop of(Object first, EventLoops scheduler) {
        if (first instanceof BlockDriverState bs) {
            return bs.aioContext();
        }
        if (first instanceof BdrvChild child) {
            return child.node().aioContext();
        }
        if (first instanceof BlockBackendImpl blk) {
            return blk.root().aioContext();
        }
        return scheduler.mainLoop();
    }
}
