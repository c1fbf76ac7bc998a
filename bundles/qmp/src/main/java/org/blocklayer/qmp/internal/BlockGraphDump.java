package org.blocklayer.qmp.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code bdrv_get_xdbg_block_graph} ({@code x-debug-query-block-graph}): every BlockBackend and node with a number,
 * and every edge between them with the permissions its user takes and shares. Main loop.
 */
final class BlockGraphDump {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private BlockGraphDump() {
    }

    static ObjectNode of(BlockGraph graph, BlockBackends backends) throws BlockException {
        ObjectNode result = JSON.objectNode();
        ArrayNode nodes = result.putArray("nodes");
        ArrayNode edges = result.putArray("edges");
        Map<String, Integer> nodeIds = new HashMap<>();
        List<BackendInfo> blks = backends.backends();
        List<NodeInfo> infos = graph.nodes();
        int next = 1;
        int[] blkIds = new int[blks.size()];
        for (int i = 0; i < blks.size(); i++) {
            blkIds[i] = next++;
            nodes.add(node(blkIds[i], "block-backend", blks.get(i).name()));
        }
        for (NodeInfo n : infos) {
            nodeIds.put(n.node(), next);
            nodes.add(node(next++, "block-driver", n.node()));
        }
        for (int i = 0; i < blks.size(); i++) {
            BackendInfo b = blks.get(i);
            Integer child = nodeIds.get(b.node());
            if (child != null) {
                edges.add(edge(blkIds[i], child, "root", b.taken(), b.shared()));
            }
        }
        for (NodeInfo n : infos) {
            for (BlockChild c : graph.node(n.node()).children()) {
                String childName = c.node().nodeName();
                NodeUser user = userOf(backends.users(childName), n.node(), c.name());
                edges.add(edge(nodeIds.get(n.node()), nodeIds.get(childName), c.name(),
                        user == null ? Set.of() : user.taken(), user == null ? Set.of() : user.shared()));
            }
        }
        return result;
    }

    /** The user entry of edge {@code parent} → its child {@code as} (NodeUsers name a parent node so). */
    private static NodeUser userOf(List<NodeUser> users, String parent, String as) {
        String name = "node '" + parent + "'";
        for (NodeUser u : users) {
            if (u.user().equals(name) && u.as().equals(as)) {
                return u;
            }
        }
        return null;
    }

    private static ObjectNode node(int id, String type, String name) {
        ObjectNode n = JSON.objectNode();
        n.put("id", id);
        n.put("type", type);
        n.put("name", name);
        return n;
    }

    private static ObjectNode edge(int parent, int child, String name, Set<Permission> taken,
            Set<Permission> shared) {
        ObjectNode e = JSON.objectNode();
        e.put("parent", parent);
        e.put("child", child);
        e.put("name", name);
        e.set("perm", permissions(taken));
        e.set("shared-perm", permissions(shared));
        return e;
    }

    /** {@code BlockPermission} names, in QEMU's bit order. */
    private static ArrayNode permissions(Set<Permission> set) {
        ArrayNode a = JSON.arrayNode();
        for (Permission p : Permission.values()) {
            if (set.contains(p)) {
                a.add(p.qemuName().replace(' ', '-'));
            }
        }
        return a;
    }
}
