package org.blocklayer.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON form of the query commands ({@code --json}, or {@code -o json}), X8: field names as
 * {@code qemu-img info --output=json} ({@code ImageInfo}) and {@code query-named-block-nodes}
 * ({@code BlockDeviceInfo}), {@code query-block-exports} and {@code query-iothreads} name them where they mean the
 * same thing; what blocklayer alone has keeps its own names ({@code aio-context}, {@code users}).
 */
final class JsonOutput {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonOutput() {
    }

    /** The words of a command with {@code --json}, {@code -o json} or {@code --output json} taken out. */
    record Args(boolean json, String[] rest) {
        static Args of(String... args) {
            List<String> rest = new ArrayList<>();
            boolean json = false;
            String[] in = Usage.asTyped(args);
            for (int i = 0; i < in.length; i++) {
                String a = in[i];
                if (a.equals("--json") || a.equals("-o=json") || a.equals("--output=json")) {
                    json = true;
                } else if ((a.equals("-o") || a.equals("--output")) && i + 1 < in.length
                        && in[i + 1].equals("json")) {
                    json = true;
                    i++;
                } else {
                    rest.add(a);
                }
            }
            return new Args(json, rest.toArray(String[]::new));
        }
    }

    /** What {@link ResultFormatter} prints as is: a JSON document, indented. */
    record Result(JsonNode value) {
        String text() {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree that cannot be written", e);
            }
        }
    }

    /** {@code block:info}: {@code ImageInfo} (with {@code backing-image} down the chain) and the node's own fields. */
    static ObjectNode info(NodeDetails d) {
        ObjectNode o = image(d.info(), d.chain(), 0);
        o.put("node-name", d.info().node());
        o.put("drv", d.info().driver());
        o.put("ro", d.info().readOnly());
        o.put("aio-context", d.info().aioContext());
        o.put("total-sectors", d.info().totalSectors());
        o.put("sg", d.info().sg());
        o.put("variable-length", d.info().variableLength());
        if (d.info().fileChild() != null) {
            o.put("file-child", d.info().fileChild());
        }
        if (d.info().goneDriver() != null) {
            o.put("gone-driver", d.info().goneDriver());
        }
        if (d.info().driverVersion() != null) {
            o.put("driver-version", d.info().driverVersion());
        }
        ArrayNode users = o.putArray("users");
        for (NodeUser u : d.users()) {
            ObjectNode j = users.addObject();
            j.put("user", u.user());
            j.put("as", u.as());
            j.set("takes", permissions(u.taken()));
            j.set("shares", permissions(u.shared()));
        }
        return o;
    }

    /** {@code ImageInfo} of one node, its backing chain as {@code backing-image} inside it. */
    private static ObjectNode image(NodeInfo n, List<NodeInfo> chain, int depth) {
        ObjectNode o = JSON.objectNode();
        if (n.filename() != null) {
            o.put("filename", n.filename());
        }
        o.put("format", n.driver());
        if (n.length() >= 0) {
            o.put("virtual-size", n.length());
        } else if (n.lengthError() != null) {
            o.put("virtual-size-error", n.lengthError());
        }
        Map<String, String> specific = n.formatSpecific();
        if (specific.containsKey("cluster-size")) {
            o.set("cluster-size", typed(specific.get("cluster-size")));
        }
        for (String key : List.of("backing-filename", "backing-filename-format")) {
            if (specific.containsKey(key)) {
                o.put(key, specific.get(key));
            }
        }
        if (!specific.isEmpty()) {
            ObjectNode fs = o.putObject("format-specific");
            fs.put("type", n.driver());
            ObjectNode data = fs.putObject("data");
            specific.forEach((k, v) -> data.set(k, typed(v)));
        }
        if (depth < chain.size()) {
            NodeInfo backing = chain.get(depth);
            if (backing.filename() != null) {
                o.put("full-backing-filename", backing.filename());
            }
            o.set("backing-image", image(backing, chain, depth + 1));
        }
        return o;
    }

    /** {@code block:nodes}: the short form of {@code query-named-block-nodes}. */
    static ArrayNode nodes(List<NodeInfo> nodes) {
        ArrayNode a = JSON.arrayNode();
        for (NodeInfo n : nodes) {
            ObjectNode o = a.addObject();
            o.put("node-name", n.node());
            o.put("drv", n.driver());
            o.put("file", n.filename());
            o.put("ro", n.readOnly());
            if (n.length() >= 0) {
                o.put("virtual-size", n.length());
            }
            o.put("aio-context", n.aioContext());
        }
        return a;
    }

    static ArrayNode drivers(List<DriverInfo> drivers) {
        ArrayNode a = JSON.arrayNode();
        for (DriverInfo d : drivers) {
            ObjectNode o = a.addObject();
            o.put("name", d.name());
            o.put("kind", d.kind());
            o.put("bundle", d.bundle());
            o.put("version", d.version());
            o.put("nodes", d.nodes());
        }
        return a;
    }

    /** {@code query-block-exports} ({@code BlockExportInfo}) with blocklayer's counters. */
    static ArrayNode exports(List<ExportInfo> exports) {
        ArrayNode a = JSON.arrayNode();
        for (ExportInfo e : exports) {
            ObjectNode o = a.addObject();
            o.put("id", e.name());
            o.put("type", "nbd");
            o.put("node-name", e.node());
            o.put("shutting-down", false);
            o.put("writable", e.writable());
            if (e.description() != null) {
                o.put("description", e.description());
            }
            o.put("multi-conn", e.multiConn());
            o.put("size", e.size());
            o.put("clients", e.clients());
            o.put("bytes-read", e.bytesRead());
            o.put("bytes-written", e.bytesWritten());
        }
        return a;
    }

    /** {@code query-iothreads}: the ids (a thread id is the JVM's business, not shown). */
    static ArrayNode iothreads(List<String> ids) {
        ArrayNode a = JSON.arrayNode();
        ids.forEach(id -> a.addObject().put("id", id));
        return a;
    }

    static ArrayNode declarations(List<DeclarationInfo> declarations) {
        ArrayNode a = JSON.arrayNode();
        for (DeclarationInfo d : declarations) {
            ObjectNode o = a.addObject();
            o.put("source", d.source());
            o.put("node-name", d.node());
            o.put("open", d.open());
            if (d.problem() != null) {
                o.put("problem", d.problem());
            }
        }
        return a;
    }

    private static ArrayNode permissions(java.util.Set<Permission> set) {
        ArrayNode a = JSON.arrayNode();
        for (String name : Permission.names(Permission.mask(set)).split(", ")) {
            if (!name.isEmpty()) {
                a.add(name);
            }
        }
        return a;
    }

    /** A driver's text value as JSON: true/false as booleans, whole numbers as numbers, the rest as strings. */
    static JsonNode typed(String v) {
        if (v.equals("true") || v.equals("false")) {
            return JSON.booleanNode(Boolean.parseBoolean(v));
        }
        if (v.matches("-?[0-9]{1,18}")) {
            return JSON.numberNode(Long.parseLong(v));
        }
        return JSON.textNode(v);
    }
}
