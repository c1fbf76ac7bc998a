package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.blocklayer.qmp.internal.ProtocolTest.assertError;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.blocklayer.api.graph.BlockGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The block, iothread and export commands with QEMU's argument and reply shapes, on real raw and qcow2 images. */
class CommandsTest {
    @TempDir
    Path tmp;
    private QmpFixture qmp;
    private QmpTestClient c;

    @BeforeEach
    void start() throws Exception {
        qmp = new QmpFixture(tmp);
        c = qmp.negotiated();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        qmp.close();
    }

    private Path raw(String name, long size) throws Exception {
        Path p = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private Map<String, JsonNode> nodes() throws Exception {
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode n : c.command("query-named-block-nodes")) {
            byName.put(n.get("node-name").asText(), n);
        }
        return byName;
    }

    @Test
    void blockdevAddOpensNestedNodesThatQueryNamedBlockNodesShows() throws Exception {
        Path image = raw("a.raw", 64 << 20);
        c.command("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"a\", \"file\": {\"driver\": \"file\","
                + " \"node-name\": \"a-file\", \"filename\": \"" + image + "\"}}");
        Map<String, JsonNode> nodes = nodes();
        JsonNode a = nodes.get("a");
        assertThat(a.get("drv").asText()).isEqualTo("raw");
        assertThat(a.get("file").asText()).isEqualTo(image.toString());
        assertThat(a.get("ro").asBoolean()).isFalse();
        assertThat(a.get("backing_file_depth").asInt()).isZero();
        assertThat(a.get("image").get("virtual-size").asLong()).isEqualTo(64 << 20);
        assertThat(a.get("image").get("format").asText()).isEqualTo("raw");
        assertThat(a.get("image").get("filename").asText()).isEqualTo(image.toString());
        assertThat(nodes.get("a-file").get("drv").asText()).isEqualTo("file");

        assertError(c.execute("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"a\", \"file\": \"a-file\"}"),
                "GenericError", "Duplicate nodes with node-name='a'");
        assertError(c.execute("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"b\"}"), "GenericError",
                "Parameter 'file' is missing");
        assertError(c.execute("blockdev-add", "{\"driver\": \"raw\", \"file\": \"a-file\"}"), "GenericError",
                "'node-name' must be specified for the root node");
        assertError(c.execute("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"b\", \"read-only\": \"yes\","
                + " \"file\": \"a-file\"}"), "GenericError",
                "Invalid parameter type for 'read-only', expected: boolean");

        c.command("block_resize", "{\"node-name\": \"a\", \"size\": " + (128 << 20) + "}");
        assertThat(nodes().get("a").get("image").get("virtual-size").asLong()).isEqualTo(128 << 20);
        assertError(c.execute("block_resize", "{\"node-name\": \"zz\", \"size\": 1}"), "GenericError",
                "Cannot find device='' nor node-name='zz'");

        assertError(c.execute("blockdev-del", "{\"node-name\": \"a-file\"}"), "GenericError",
                "Node a-file is not owned by the monitor");
        c.command("blockdev-del", "{\"node-name\": \"a\"}");
        assertThat(nodes()).isEmpty();
        assertError(c.execute("blockdev-del", "{\"node-name\": \"a\"}"), "GenericError",
                "Failed to find node with node-name='a'");
    }

    @Test
    void aQcow2OverlayShowsItsBackingChain() throws Exception {
        Path base = tmp.resolve("base.qcow2");
        Path top = tmp.resolve("top.qcow2");
        qmp.graph.create("qcow2", base.toString(), 128 << 20, new org.blocklayer.api.graph.BlockOptions());
        qmp.graph.create("qcow2", top.toString(), 128 << 20, org.blocklayer.api.graph.BlockOptions.parse(
                "backing_file=" + base + ",backing_fmt=qcow2"));
        c.command("blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"top\", \"file\": {\"driver\": \"file\","
                + " \"filename\": \"" + top + "\"}}");
        JsonNode t = nodes().get("top");
        assertThat(t.get("drv").asText()).isEqualTo("qcow2");
        assertThat(t.get("backing_file_depth").asInt()).isEqualTo(1);
        assertThat(t.get("backing_file").asText()).isEqualTo(base.toString());
        JsonNode image = t.get("image");
        assertThat(image.get("cluster-size").asInt()).isEqualTo(65536);
        assertThat(image.get("format-specific").get("type").asText()).isEqualTo("qcow2");
        assertThat(image.get("format-specific").get("data").get("refcount-bits").isInt()).isTrue();
        assertThat(image.get("format-specific").get("data").get("lazy-refcounts").isBoolean()).isTrue();
        assertThat(image.get("backing-image").get("filename").asText()).isEqualTo(base.toString());
        assertThat(image.get("backing-image").get("virtual-size").asLong()).isEqualTo(128 << 20);

        JsonNode graph = c.command("x-debug-query-block-graph");
        assertThat(graph.get("nodes")).hasSize(4);
        checkEdges(graph);

        // "backing": null, as libvirt sends it: the image alone, its backing file left closed.
        c.command("blockdev-del", "{\"node-name\": \"top\"}");
        c.command("blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"alone\", \"backing\": null,"
                + " \"file\": {\"driver\": \"file\", \"filename\": \"" + top + "\"}}");
        assertThat(nodes().get("alone").get("backing_file_depth").asInt()).isZero();
        assertThat(nodes()).hasSize(2);
    }

    /** The overlay's edges take and share what QEMU's do (qemu-storage-daemon 7.2's x-debug-query-block-graph). */
    private static void checkEdges(JsonNode graph) {
        Map<Integer, String> names = new HashMap<>();
        graph.get("nodes").forEach(n -> names.put(n.get("id").asInt(), n.get("name").asText()));
        Map<String, JsonNode> fromTop = new HashMap<>();
        for (JsonNode e : graph.get("edges")) {
            if (names.get(e.get("parent").asInt()).equals("top")) {
                fromTop.put(e.get("name").asText(), e);
            }
        }
        assertThat(fromTop.keySet()).containsExactlyInAnyOrder("file", "backing");
        assertThat(fromTop.get("file").get("perm").toString())
                .isEqualTo("[\"consistent-read\",\"write\",\"resize\"]");
        assertThat(fromTop.get("file").get("shared-perm").toString())
                .isEqualTo("[\"consistent-read\",\"write-unchanged\"]");
        assertThat(fromTop.get("backing").get("perm")).isEmpty();
        assertThat(fromTop.get("backing").get("shared-perm")).hasSize(4);
    }

    @Test
    void iothreadsAreObjectsThatNodesMoveInto() throws Exception {
        Path image = raw("a.raw", 1 << 20);
        c.command("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"a\", \"file\": {\"driver\": \"file\","
                + " \"filename\": \"" + image + "\"}}");
        c.command("object-add", "{\"qom-type\": \"iothread\", \"id\": \"io0\"}");
        assertError(c.execute("object-add", "{\"qom-type\": \"iothread\", \"id\": \"io0\"}"), "GenericError",
                "attempt to add duplicate property 'io0' to object (type 'container')");
        assertError(c.execute("object-add", "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m\"}"),
                "GenericError", "Parameter 'qom-type' does not accept value 'memory-backend-ram'");
        c.command("x-blockdev-set-iothread", "{\"node-name\": \"a\", \"iothread\": \"io0\"}");
        assertThat(qmp.graph.info("a").aioContext()).isEqualTo("io0");
        assertError(c.execute("x-blockdev-set-iothread", "{\"node-name\": \"a\", \"iothread\": \"io9\"}"),
                "GenericError", "Cannot find iothread io9");
        assertThat(c.execute("object-del", "{\"id\": \"io0\"}").has("error")).isTrue();
        c.command("x-blockdev-set-iothread", "{\"node-name\": \"a\", \"iothread\": null}");
        assertThat(qmp.graph.info("a").aioContext()).isEqualTo(BlockGraph.MAIN_CONTEXT);
        c.command("object-del", "{\"id\": \"io0\"}");
        assertError(c.execute("object-del", "{\"id\": \"io0\"}"), "GenericError", "object 'io0' not found");
    }

    @Test
    void exportsComeAndGoWithBlockExportDeleted() throws Exception {
        Path image = raw("a.raw", 1 << 20);
        c.command("blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"a\", \"file\": {\"driver\": \"file\","
                + " \"filename\": \"" + image + "\"}}");
        assertError(c.execute("block-export-add", "{\"type\": \"nbd\", \"id\": \"e0\", \"node-name\": \"a\"}"),
                "GenericError", "NBD server not running");
        Path nbd = tmp.resolve("nbd.sock");
        c.command("nbd-server-start", "{\"addr\": {\"type\": \"unix\", \"data\": {\"path\": \"" + nbd + "\"}}}");
        c.command("block-export-add", "{\"type\": \"nbd\", \"id\": \"e0\", \"node-name\": \"a\", \"name\": \"disk\","
                + " \"writable\": true}");
        assertError(c.execute("block-export-add", "{\"type\": \"nbd\", \"id\": \"e0\", \"node-name\": \"a\"}"),
                "GenericError", "Block export id 'e0' is already in use");
        JsonNode list = c.command("query-block-exports");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asText()).isEqualTo("e0");
        assertThat(list.get(0).get("node-name").asText()).isEqualTo("a");
        assertThat(list.get(0).get("type").asText()).isEqualTo("nbd");
        assertThat(list.get(0).get("shutting-down").asBoolean()).isFalse();
        assertError(c.execute("blockdev-del", "{\"node-name\": \"a\"}"), "GenericError", "Node a is in use");
        assertError(c.execute("x-blockdev-set-iothread", "{\"node-name\": \"a\", \"iothread\": null}"),
                "GenericError", "Node a is associated with a BlockBackend and could be in use (use force=true to"
                        + " override this check)");
        c.command("block-export-del", "{\"id\": \"e0\"}");
        JsonNode event = c.event("BLOCK_EXPORT_DELETED");
        assertThat(event.get("data").get("id").asText()).isEqualTo("e0");
        assertThat(event.get("timestamp").get("seconds").isIntegralNumber()).isTrue();
        assertThat(event.get("timestamp").get("microseconds").asLong()).isBetween(0L, 999_999L);
        assertError(c.execute("block-export-del", "{\"id\": \"e0\"}"), "GenericError", "Export 'e0' is not found");
        c.command("nbd-server-stop");
        assertError(c.execute("nbd-server-stop", null), "GenericError", "NBD server not running");
        c.command("blockdev-del", "{\"node-name\": \"a\"}");
    }

    @Test
    void nodeEventsReachEveryNegotiatedClientInQemusStyle() throws Exception {
        try (QmpTestClient other = qmp.negotiated()) {
            qmp.server.handleEvent(new org.osgi.service.event.Event("org/blocklayer/node/OPENED",
                    Map.of("node", "n", "driver", "raw", "aio-context", "main")));
            for (QmpTestClient client : new QmpTestClient[] {c, other}) {
                JsonNode e = client.event("BLOCK_NODE_OPENED");
                assertThat(e.get("data").get("node-name").asText()).isEqualTo("n");
                assertThat(e.get("data").get("driver").asText()).isEqualTo("raw");
                assertThat(e.get("data").get("iothread").asText()).isEqualTo("main");
            }
        }
    }
}
