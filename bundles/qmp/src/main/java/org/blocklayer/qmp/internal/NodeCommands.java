package org.blocklayer.qmp.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The node commands of blockdev.c: {@code blockdev-add}, {@code blockdev-del}, {@code query-named-block-nodes},
 * {@code block_resize}, {@code x-debug-query-block-graph} and {@code query-block-jobs}. Each runs whole in the main
 * loop. Nodes added here are the monitor's ({@code monitor_bdrv_states}): only those may be deleted here.
 */
final class NodeCommands {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final BlockGraph graph;
    private final BlockBackends backends;
    /** Node names added by {@code blockdev-add} and not deleted; main loop only, shared by every session. */
    private final Set<String> owned = ConcurrentHashMap.newKeySet();

    NodeCommands(BlockGraph graph, BlockBackends backends) {
        this.graph = graph;
        this.backends = backends;
    }

    void register(CommandTable table) {
        CommandTable.Where main = CommandTable.Where.MAIN_LOOP;
        table.add("blockdev-add", main, this::add);
        table.add("blockdev-del", main, this::delete);
        table.add("query-named-block-nodes", main, this::query);
        table.add("block_resize", main, this::resize);
        table.add("x-debug-query-block-graph", main, args -> {
            args.end();
            return BlockGraphDump.of(graph, backends);
        });
        // blocklayer has no block jobs: the list is truly empty (render_block_graph.py asks for it).
        table.add("query-block-jobs", main, args -> {
            args.end();
            return JSON.arrayNode();
        });
    }

    /** {@code qmp_blockdev_add}. */
    private ObjectNode add(QmpArgs args) throws Exception {
        BlockOptions options = BlockdevOptions.flatten(args.all());
        String name = options.get("node-name");
        if (exists(name)) {
            throw QmpError.generic("Duplicate nodes with node-name='" + name + "'");
        }
        boolean readOnly = "on".equals(options.get("read-only"));
        graph.open(null, options, readOnly ? 0 : OpenFlags.RDWR);
        owned.add(name);
        return JSON.objectNode();
    }

    /** {@code qmp_blockdev_del}, with QEMU's checks in QEMU's order. */
    private ObjectNode delete(QmpArgs args) throws Exception {
        String name = args.string("node-name");
        args.end();
        if (!exists(name)) {
            throw QmpError.generic("Failed to find node with node-name='" + name + "'");
        }
        for (NodeUser u : backends.users(name)) {
            if (u.as().equals("root")) {
                throw QmpError.generic("Node " + name + " is in use");
            }
        }
        if (!owned.contains(name)) {
            throw QmpError.generic("Node " + name + " is not owned by the monitor");
        }
        try {
            graph.close(name);
        } catch (BlockException e) {
            if (e.errno() == Errno.EBUSY) {
                throw QmpError.generic("Block device " + name + " is in use");
            }
            throw e;
        }
        owned.remove(name);
        return JSON.objectNode();
    }

    /** {@code qmp_query_named_block_nodes}. */
    private ArrayNode query(QmpArgs args) throws Exception {
        args.optBool("flat");
        args.end();
        ArrayNode list = JSON.arrayNode();
        for (NodeInfo info : graph.nodes()) {
            list.add(BlockDeviceInfo.of(graph, info));
        }
        return list;
    }

    /** {@code qmp_block_resize}. */
    private ObjectNode resize(QmpArgs args) throws Exception {
        String device = args.optString("device");
        String nodeName = args.optString("node-name");
        long size = args.integer("size");
        args.end();
        String node = null;
        if (device != null) {
            for (BackendInfo b : backends.backends()) {
                if (b.name().equals(device)) {
                    node = b.node();
                }
            }
        }
        if (node == null && nodeName != null && exists(nodeName)) {
            node = nodeName;
        }
        if (node == null) {
            throw QmpError.generic("Cannot find device='" + (device == null ? "" : device) + "' nor node-name='"
                    + (nodeName == null ? "" : nodeName) + "'");
        }
        if (size < 0) {
            throw QmpError.invalidValue("size", "a >0 size");
        }
        graph.resize(node, size);
        return JSON.objectNode();
    }

    private boolean exists(String name) {
        for (NodeInfo n : graph.nodes()) {
            if (n.node().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
