package org.blocklayer.api.graph.dot;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;

/**
 * {@code block:graph}: the block graph in Graphviz dot, drawn as QEMU's scripts/render_block_graph.py draws
 * {@code x-debug-query-block-graph}: a box per node (name, driver, length), an arrow from each parent to each child
 * labelled with the child's role and the permissions the parent takes and shares there, the BlockBackends and
 * exports as the users on top, and each AioContext (the main loop, every iothread) as a cluster around its nodes.
 * {@code block:graph} prints this text and the Web Console page draws it, so both show the same graph.
 */
public final class GraphDot {
    private GraphDot() {
    }

    /** Where the users of a node come from: {@link BlockBackends#users}, or a caller's wrapper around it. */
    @FunctionalInterface
    public interface Users {
        /** Every user of node {@code nodeName}, as {@link BlockBackends#users} lists them. */
        List<NodeUser> of(String nodeName) throws BlockException;
    }

    /**
     * The dot text of the whole graph now: its nodes, and each node's users as {@code users} reports them. A node
     * closed between the two questions is drawn without users rather than failing the picture.
     */
    public static String of(BlockGraph graph, Users users) throws BlockException {
        return of(graph.nodes(), users);
    }

    /** {@link #of(BlockGraph, Users)} for a snapshot of the nodes the caller already holds (and shows beside it). */
    public static String of(List<NodeInfo> nodes, Users users) throws BlockException {
        Map<String, List<NodeUser>> byNode = new HashMap<>();
        for (NodeInfo n : nodes) {
            try {
                byNode.put(n.node(), users.of(n.node()));
            } catch (BlockException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
        }
        return of(nodes, byNode);
    }

    /** The dot text of {@code nodes}, whose users are {@code users} (node name to its users). */
    public static String of(List<NodeInfo> nodes, Map<String, List<NodeUser>> users) {
        StringBuilder dot = new StringBuilder("digraph blocklayer {\n");
        dot.append("  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n  edge [fontname=\"monospace\","
                + " fontsize=10];\n");
        Map<String, StringBuilder> contexts = new LinkedHashMap<>();
        for (NodeInfo n : nodes) {
            contexts.computeIfAbsent(n.aioContext(), c -> new StringBuilder()).append("    ").append(id("n", n.node()))
                    .append(" [label=").append(quote(n.node() + "\n" + (n.driver() == null
                            ? "no medium (" + n.goneDriver() + " gone)" : n.driver()) + "\n" + size(n.length())))
                    .append(n.driver() == null ? ", style=dashed" : "").append("];\n");
        }
        for (Map.Entry<String, StringBuilder> c : contexts.entrySet()) {
            String label = c.getKey().equals("main") ? "main loop" : "iothread " + c.getKey();
            dot.append("  subgraph ").append(quote("cluster_" + c.getKey())).append(" {\n    label=")
                    .append(quote(label)).append(";\n    style=rounded;\n").append(c.getValue()).append("  }\n");
        }
        for (NodeInfo n : nodes) {
            for (NodeUser u : users.getOrDefault(n.node(), List.of())) {
                String parent = parentNode(u.user());
                String from;
                if (parent != null) {
                    from = id("n", parent);
                } else {
                    // A backend or export has one root node; unnamed ones share their description, not their box.
                    from = id("u", u.user() + "@" + n.node());
                    dot.append("  ").append(from).append(" [label=").append(quote(u.user()))
                            .append(", shape=ellipse];\n");
                }
                dot.append("  ").append(from).append(" -> ").append(id("n", n.node())).append(" [label=")
                        .append(quote(u.as() + "\ntakes: " + permissions(u.taken()) + "\nshares: "
                                + permissions(u.shared())))
                        .append(parent == null ? ", style=bold" : "").append("];\n");
            }
        }
        return dot.append("}\n").toString();
    }

    /** "consistent read, write" in QEMU's order; "nothing" for none. */
    private static String permissions(Set<Permission> set) {
        String names = Permission.names(Permission.mask(set));
        return names.isEmpty() ? "nothing" : names;
    }

    /** The parent's node name in a user description {@code node 'NAME'}, or null for any other user. */
    static String parentNode(String user) {
        if (user.startsWith("node '") && user.endsWith("'")) {
            return user.substring("node '".length(), user.length() - 1);
        }
        return null;
    }

    private static String id(String kind, String name) {
        return quote(kind + ":" + name);
    }

    private static String size(long bytes) {
        if (bytes < 0) {
            return "length unknown";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return (long) v + " " + units[u];
    }

    /** A dot string: backslashes and quotes escaped, line breaks as dot's {@code \n}. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
