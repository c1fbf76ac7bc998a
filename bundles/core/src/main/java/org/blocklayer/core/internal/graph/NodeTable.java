package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.Map;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.FormatInfo;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.core.internal.coroutine.CoFn;

/**
 * {@code graph_bdrv_states}: every node by name, in creation order ({@code bdrv_find_node},
 * {@code bdrv_assign_node_name}), and who hears when nodes come and go: OPENED events for what an open created, and
 * the listeners of declared nodes. Main loop only.
 */
final class NodeTable {
    private final Graph graph;
    private final Map<String, BlockDriverState> nodes;
    private final NodeNames names;
    /** Told after a node is announced or closed: declared nodes waiting on another node retry then. */
    private final List<Runnable> changes;

    NodeTable(Graph graph, Map<String, BlockDriverState> nodes, NodeNames names, List<Runnable> changes) {
        this.graph = graph;
        this.nodes = nodes;
        this.names = names;
        this.changes = changes;
    }

    /** {@code bdrv_find_node}, or ENOENT naming the node. */
    @GlobalStateCode
    BlockDriverState find(String name) throws BlockException {
        BlockDriverState bs = name == null ? null : nodes.get(name);
        if (bs == null) {
            throw new BlockException(Errno.ENOENT, "Cannot find node '" + name + "'"
                    + (nodes.isEmpty() ? " (the graph is empty)" : ""));
        }
        return bs;
    }

    @GlobalStateCode
    boolean has(String name) {
        return nodes.containsKey(name);
    }

    /** {@code bdrv_assign_node_name}: the requested name, checked, or a generated one. */
    @GlobalStateCode
    String assignName(String requested) throws BlockException {
        if (requested != null && graph.backendList().find(requested) != null) {
            // Node names and device ids share one namespace (B20).
            throw new BlockException(Errno.EINVAL, "node-name=" + requested + " is conflicting with a device id");
        }
        return names.assign(requested, nodes::containsKey);
    }

    @GlobalStateCode
    void insert(BlockDriverState bs) {
        nodes.put(bs.nodeName(), bs);
    }

    @GlobalStateCode
    void forget(BlockDriverState bs) {
        nodes.remove(bs.nodeName(), bs);
        // A request waiting for this node's driver has nothing left to wait for.
        graph.mediumWaiters().restartAll();
    }

    /**
     * Runs an open, then announces (OPENED) every node it created, its new children included: each shows in
     * {@code block:nodes} and may later be reported DETACHED or CLOSED on its own, so each is announced on its own.
     * Existing nodes it merely references are not; a failed open created nothing and announces nothing. Children
     * come before their parents (a parent is created, then opens its children): a handler finds a parent's children
     * announced already. Whatever makes it fail, {@link OpenRollback} takes out every node it created (X4).
     */
    @GlobalStateCode
    BlockDriverState announcing(BlockOptions requested, CoFn<BlockDriverState> open) throws BlockException {
        // Read before the open consumes them: what names the failure when it fails before creating a node.
        String name = requested.get("node-name");
        String driver = requested.get("driver");
        OpenRollback rollback = new OpenRollback(graph, nodes.values());
        BlockDriverState opened;
        try {
            opened = open.call();
        } catch (Throwable t) {
            throw rollback.undo(t, List.copyOf(nodes.values()), name, driver);
        }
        List<BlockDriverState> created = rollback.created(nodes.values());
        for (BlockDriverState bs : created.reversed()) {
            BlockDriver d = bs.driver();
            graph.events().opened(bs, d == null ? null : d.formatName(), graph.driverRegistry().version(d));
        }
        // A successful open created at least the node it opened.
        changed();
        return opened;
    }

    /** Calls {@code listener} after nodes were announced or closed; returns what removes it. */
    AutoCloseable onChange(Runnable listener) {
        changes.add(listener);
        return () -> changes.remove(listener);
    }

    @GlobalStateCode
    void changed() {
        for (Runnable listener : changes) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                graph.log().warn("a node change listener failed: {}", e.toString());
            }
        }
    }

    /** A snapshot of every node. */
    @GlobalStateCode
    List<NodeInfo> infos() {
        return nodes.values().stream().map(this::info).toList();
    }

    /** What {@code block:info} shows of a node ({@code query-named-block-nodes}); its length read as the seed does. */
    @GlobalStateCode
    NodeInfo info(BlockDriverState bs) {
        long length = -1;
        String lengthError = null;
        try {
            length = ContextLocks.holding(bs.aioContext(), bs::getLength);
        } catch (BlockException e) {
            lengthError = e.describe();
        }
        BlockDriver d = bs.driver();
        BdrvChild file = bs.file();
        BdrvChild backing = bs.backing();
        java.util.Map<String, String> specific = java.util.Map.of();
        if (d instanceof FormatInfo fi) {
            try {
                specific = fi.formatSpecific(bs);
            } catch (RuntimeException e) {
                graph.log().warn("driver {} failed to describe node {}", d.formatName(), bs.nodeName(), e);
            }
        }
        return new NodeInfo(bs.nodeName(), d == null ? null : d.formatName(), bs.filename(),
                file == null ? null : file.node().nodeName(), bs.totalSectors(), length, lengthError, bs.isSg(),
                d != null && d.hasVariableLength(), bs.isReadOnly(), bs.aioContext().name(),
                bs.medium().goneDriver(), d == null ? null : graph.driverRegistry().version(d),
                backing == null ? null : backing.node().nodeName(), specific);
    }
}
