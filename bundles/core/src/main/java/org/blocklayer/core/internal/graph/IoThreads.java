package org.blocklayer.core.internal.graph;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;

/**
 * The iothread objects ({@code -object iothread,id=ID}, iothread.c): each one an AioContext with a thread of its
 * own, kept by the scheduler. Ids are well formed as node names are ({@code id_wellformed}); "main" names the main
 * loop. Main loop only.
 */
final class IoThreads {
    private final EventLoops scheduler;
    private final Collection<BlockDriverState> nodes;

    IoThreads(EventLoops scheduler, Collection<BlockDriverState> nodes) {
        this.scheduler = scheduler;
        this.nodes = nodes;
    }

    /** The ids, in creation order. */
    @GlobalStateCode
    List<String> ids() {
        return scheduler.contexts().stream().filter(c -> c != scheduler.mainLoop()).map(EventLoop::name).toList();
    }

    /** {@code iothread_complete}: EINVAL for a malformed, reserved or taken id. */
    @GlobalStateCode
    EventLoop add(String id) throws BlockException {
        scheduler.assertMainLoop("iothread add");
        if (id == null || !NodeNames.wellFormed(id)) {
            throw new BlockException(Errno.EINVAL, "Invalid IOThread id '" + id + "': expected an identifier"
                    + " (a letter, then letters, digits, '-', '.', '_')");
        }
        if (id.equals(BlockGraph.MAIN_CONTEXT)) {
            throw new BlockException(Errno.EINVAL, "Invalid IOThread id 'main': it names the main loop");
        }
        if (find(id) != null) {
            throw new BlockException(Errno.EINVAL, "Duplicate IOThread with id='" + id + "'");
        }
        return scheduler.createIoThread(id);
    }

    /** {@code object-del}: ENOENT for an unknown id, EBUSY naming the nodes still in it; else stops its thread. */
    @GlobalStateCode
    void delete(String id) throws BlockException {
        scheduler.assertMainLoop("iothread del");
        EventLoop ctx = require(id);
        List<String> users = nodes.stream().filter(n -> n.aioContext() == ctx).map(BlockDriverState::nodeName)
                .toList();
        if (!users.isEmpty()) {
            throw new BlockException(Errno.EBUSY, "IOThread '" + id + "' is in use by "
                    + (users.size() == 1 ? "node " : "nodes ")
                    + users.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ")));
        }
        scheduler.destroyIoThread(ctx);
    }

    /** The context an iothread id or "main" names; ENOENT otherwise. */
    @GlobalStateCode
    EventLoop context(String iothreadOrMain) throws BlockException {
        return BlockGraph.MAIN_CONTEXT.equals(iothreadOrMain) ? scheduler.mainLoop() : require(iothreadOrMain);
    }

    private EventLoop require(String id) throws BlockException {
        EventLoop ctx = find(id);
        if (ctx == null) {
            List<String> ids = ids();
            throw new BlockException(Errno.ENOENT, "Cannot find IOThread '" + id + "'"
                    + (ids.isEmpty() ? " (there is none)" : ""));
        }
        return ctx;
    }

    private EventLoop find(String id) {
        for (EventLoop ctx : scheduler.contexts()) {
            if (ctx != scheduler.mainLoop() && ctx.name().equals(id)) {
                return ctx;
            }
        }
        return null;
    }
}
