package org.blocklayer.qmp.internal;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code bdrv_block_device_info} and {@code bdrv_query_image_info}: one node as {@code query-named-block-nodes} lists
 * it ({@code BlockDeviceInfo} with its {@code ImageInfo} and the backing chain's). Main loop, for one consistent view.
 */
final class BlockDeviceInfo {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** The members of QEMU's {@code ImageInfoSpecificQCow2} and their types, out of the driver's format-specific. */
    private static final Map<String, String> QCOW2_SPECIFIC = new java.util.LinkedHashMap<>();

    static {
        QCOW2_SPECIFIC.put("compat", "string");
        QCOW2_SPECIFIC.put("compression-type", "string");
        QCOW2_SPECIFIC.put("lazy-refcounts", "boolean");
        QCOW2_SPECIFIC.put("refcount-bits", "integer");
        QCOW2_SPECIFIC.put("corrupt", "boolean");
        QCOW2_SPECIFIC.put("extended-l2", "boolean");
    }

    private BlockDeviceInfo() {
    }

    static ObjectNode of(BlockGraph graph, NodeInfo info) throws BlockException {
        BlockNode node = graph.node(info.node());
        ObjectNode d = JSON.objectNode();
        d.put("file", filename(node));
        d.put("node-name", info.node());
        d.put("ro", info.readOnly());
        d.put("drv", info.driver());
        int depth = 0;
        for (BlockNode b = backing(node); b != null; b = backing(b)) {
            depth++;
        }
        BlockNode backing = backing(node);
        if (backing != null) {
            d.put("backing_file", filename(backing));
        }
        d.put("backing_file_depth", depth);
        d.put("encrypted", false);
        String detectZeroes = node.options().get("detect-zeroes");
        d.put("detect_zeroes", detectZeroes == null ? "off" : detectZeroes);
        // No throttling in blocklayer: QEMU's 0, "no limit", is the truth here.
        for (String limit : new String[] {"bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr"}) {
            d.put(limit, 0);
        }
        d.set("image", image(graph, node, info));
        ObjectNode cache = d.putObject("cache");
        cache.put("writeback", true);
        cache.put("direct", (node.openFlags() & OpenFlags.NOCACHE) != 0);
        cache.put("no-flush", (node.openFlags() & OpenFlags.NO_FLUSH) != 0);
        d.put("write_threshold", 0);
        return d;
    }

    /** {@code ImageInfo} of {@code node}, with {@code backing-image} down the chain. */
    private static ObjectNode image(BlockGraph graph, BlockNode node, NodeInfo info) throws BlockException {
        ObjectNode image = JSON.objectNode();
        image.put("filename", filename(node));
        image.put("format", info.driver());
        image.put("virtual-size", info.length());
        Map<String, String> specific = info.formatSpecific();
        if ("qcow2".equals(info.driver()) && !specific.isEmpty()) {
            if (specific.containsKey("cluster-size")) {
                image.put("cluster-size", Long.parseLong(specific.get("cluster-size")));
            }
            ObjectNode fs = image.putObject("format-specific");
            fs.put("type", "qcow2");
            ObjectNode data = fs.putObject("data");
            QCOW2_SPECIFIC.forEach((key, type) -> {
                String v = specific.get(key);
                if (v != null) {
                    switch (type) {
                        case "boolean" -> data.put(key, Boolean.parseBoolean(v));
                        case "integer" -> data.put(key, Long.parseLong(v));
                        default -> data.put(key, v);
                    }
                }
            });
            if (specific.containsKey("backing-filename")) {
                image.put("backing-filename", specific.get("backing-filename"));
            }
            if (specific.containsKey("backing-filename-format")) {
                image.put("backing-filename-format", specific.get("backing-filename-format"));
            }
        }
        BlockNode backing = backing(node);
        if (backing != null) {
            image.put("full-backing-filename", filename(backing));
            image.set("backing-image", image(graph, backing, graph.info(backing.nodeName())));
        }
        return image;
    }

    private static BlockNode backing(BlockNode node) {
        BlockChild b = node.backing();
        return b == null ? null : b.node();
    }

    /** {@code bs->filename}: a filter or format node has the filename of the node its data lies in. */
    static String filename(BlockNode node) {
        for (BlockNode n = node; n != null; ) {
            if (n.filename() != null && !n.filename().isEmpty()) {
                return n.filename();
            }
            BlockChild file = n.file();
            n = file == null ? null : file.node();
        }
        return "";
    }
}
