package org.blocklayer.api.graph.dot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;

/** {@code block:graph}: nodes in their AioContexts' clusters, edges with roles and permissions, users on top. */
class GraphDotTest {
    private static NodeInfo node(String name, String driver, String file, long length, String context) {
        return new NodeInfo(name, driver, null, file, length / 512, length, null, false, false, false, context);
    }

    private static final List<NodeInfo> NODES = List.of(
            node("disk", "raw", "proto", 1 << 20, "io0"),
            node("proto", "file", null, 1 << 20, "io0"),
            node("other", "file", null, 65536, "main"));
    private static final Map<String, List<NodeUser>> USERS = Map.of(
            "disk", List.of(new NodeUser("block device 'vda'", "root",
                    EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE), EnumSet.allOf(Permission.class))),
            "proto", List.of(new NodeUser("node 'disk'", "file", EnumSet.of(Permission.CONSISTENT_READ),
                    EnumSet.of(Permission.CONSISTENT_READ, Permission.RESIZE))));

    @Test
    void nodesSitInTheirContextsClustersAndEdgesCarryRoleAndPermissions() {
        String dot = GraphDot.of(NODES, USERS);

        assertThat(dot).startsWith("digraph blocklayer {")
                .contains("subgraph \"cluster_io0\" {\n    label=\"iothread io0\";")
                .contains("subgraph \"cluster_main\" {\n    label=\"main loop\";")
                .contains("\"n:disk\" [label=\"disk\\nraw\\n1 MiB\"];")
                .contains("\"n:other\" [label=\"other\\nfile\\n64 KiB\"];")
                .contains("\"u:block device 'vda'@disk\" [label=\"block device 'vda'\", shape=ellipse];")
                .contains("\"u:block device 'vda'@disk\" -> \"n:disk\" [label=\"root\\ntakes: consistent read, write")
                .contains("\"n:disk\" -> \"n:proto\" [label=\"file\\ntakes: consistent read\\nshares: consistent"
                        + " read, resize\"];");
        // The io0 cluster holds disk and proto, not other.
        String io0 = dot.substring(dot.indexOf("cluster_io0"), dot.indexOf("}", dot.indexOf("cluster_io0")));
        assertThat(io0).contains("n:disk").contains("n:proto").doesNotContain("n:other");
    }

    @Test
    void twoUnnamedBackendsAreTwoUsers() {
        NodeUser unnamed = new NodeUser("an unnamed block device", "root", EnumSet.of(Permission.CONSISTENT_READ),
                EnumSet.allOf(Permission.class));
        String dot = GraphDot.of(NODES, Map.of("disk", List.of(unnamed), "other", List.of(unnamed)));
        assertThat(dot).contains("\"u:an unnamed block device@disk\" -> \"n:disk\"")
                .contains("\"u:an unnamed block device@other\" -> \"n:other\"");
    }

    @Test
    void aNodeWithoutItsDriverIsDashedAndQuotesAreEscaped() {
        NodeInfo gone = new NodeInfo("q\"x", null, null, null, 0, -1, "gone", false, false, false, "main", "qcow2");
        String dot = GraphDot.of(List.of(gone), Map.of());
        assertThat(dot).contains("\"n:q\\\"x\" [label=\"q\\\"x\\nno medium (qcow2 gone)\\nlength unknown\","
                + " style=dashed];");
    }

    @Test
    void aNodeClosedWhileItsUsersAreAskedForIsDrawnWithoutThemButOtherErrorsFail() throws Exception {
        BlockGraph graph = (BlockGraph) Proxy.newProxyInstance(BlockGraph.class.getClassLoader(),
                new Class<?>[] {BlockGraph.class}, (proxy, method, args) -> {
                    if (method.getName().equals("nodes")) {
                        return NODES;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        String dot = GraphDot.of(graph, node -> {
            if (node.equals("disk")) {
                throw new BlockException(Errno.ENOENT, "Cannot find device='disk' nor node-name='disk'");
            }
            return USERS.getOrDefault(node, List.of());
        });
        assertThat(dot).contains("\"n:disk\" [label=").doesNotContain("vda")
                .contains("\"n:disk\" -> \"n:proto\" [label=\"file");

        assertThatThrownBy(() -> GraphDot.of(graph, node -> {
            throw new BlockException(Errno.EIO, "main loop gone");
        })).isInstanceOf(BlockException.class).hasMessageContaining("main loop gone");
    }

    @Test
    void graphvizDrawsIt() throws Exception {
        Needs.tool("dot", "graphviz");
        Process p = new ProcessBuilder("dot", "-Tsvg").redirectErrorStream(true).start();
        p.getOutputStream().write(GraphDot.of(NODES, USERS).getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String svg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(svg).isZero();
        assertThat(svg).contains("<svg").contains(">disk</text>").contains(">iothread io0</text>")
                .contains(">block device &#39;vda&#39;</text>");
    }
}
