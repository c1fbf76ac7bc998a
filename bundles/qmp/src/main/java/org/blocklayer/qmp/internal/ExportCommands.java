package org.blocklayer.qmp.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.api.graph.BlockGraph;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The export commands (blockdev-nbd.c, block/export/export.c): {@code nbd-server-start}, {@code nbd-server-stop},
 * {@code block-export-add}, {@code block-export-del} and {@code query-block-exports}, for NBD exports. They run on the
 * dispatcher's thread: the export service enters the main loop itself and waits outside it for clients to leave.
 * QEMU names an export twice, by its {@code id} and by the NBD name clients ask for; the service knows the NBD name
 * only, so the ids given here are kept here (an export added elsewhere has its NBD name as id).
 */
final class ExportCommands {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final BlockExports exports;
    private final BlockGraph graph;
    /** NBD export name → QMP id, for exports added here. */
    private final Map<String, String> ids = new ConcurrentHashMap<>();

    ExportCommands(BlockExports exports, BlockGraph graph) {
        this.exports = exports;
        this.graph = graph;
    }

    void register(CommandTable table) {
        CommandTable.Where here = CommandTable.Where.DISPATCHER;
        table.add("nbd-server-start", here, this::start);
        table.add("nbd-server-stop", here, args -> {
            args.end();
            exports.stopNbdServer();
            return JSON.objectNode();
        });
        table.add("block-export-add", here, this::add);
        table.add("block-export-del", here, this::delete);
        table.add("query-block-exports", here, args -> {
            args.end();
            ArrayNode list = JSON.arrayNode();
            for (ExportInfo e : exports.exports()) {
                ObjectNode info = list.addObject();
                info.put("type", "nbd");
                info.put("id", idOf(e.name()));
                info.put("node-name", e.node());
                info.put("shutting-down", false);
            }
            return list;
        });
    }

    /** The QMP id of the export with NBD name {@code name}. */
    String idOf(String name) {
        return ids.getOrDefault(name, name);
    }

    /** The export named {@code name} is gone: its QMP id, forgotten here. */
    String deleted(String name) {
        String id = ids.remove(name);
        return id == null ? name : id;
    }

    /** {@code qmp_nbd_server_start} with a {@code SocketAddressLegacy}. */
    private ObjectNode start(QmpArgs args) throws Exception {
        QmpArgs addr = args.object("addr");
        String type = addr.string("type");
        QmpArgs data = addr.object("data");
        String address = switch (type) {
            case "unix" -> "unix:" + data.string("path");
            case "inet" -> "inet:" + data.string("host") + ":" + data.string("port");
            default -> throw QmpError.generic("NBD server over '" + type + "' sockets is not supported: unix and"
                    + " inet are");
        };
        data.end();
        addr.end();
        if (args.optString("tls-creds") != null || args.optString("tls-authz") != null) {
            throw QmpError.generic("TLS is not supported by blocklayer's NBD server");
        }
        Long max = args.optInteger("max-connections");
        args.end();
        if (max != null && (max < 0 || max > 0xffffffffL)) {
            throw QmpError.invalidType("max-connections", "uint32");
        }
        exports.startNbdServer(address, max == null ? BlockExports.DEFAULT_MAX_CONNECTIONS : (int) Math.min(max,
                Integer.MAX_VALUE));
        return JSON.objectNode();
    }

    /** {@code qmp_block_export_add} of {@code type: nbd}. */
    private ObjectNode add(QmpArgs args) throws Exception {
        String type = args.string("type");
        if (!type.equals("nbd")) {
            throw QmpError.badEnum("type", type);
        }
        String id = args.string("id");
        boolean fixedIothread = args.bool("fixed-iothread", false);
        String iothread = args.optString("iothread");
        String node = args.string("node-name");
        boolean writable = args.bool("writable", false);
        if (args.bool("writethrough", false)) {
            throw QmpError.generic("writethrough is not supported: blocklayer's exports write back");
        }
        String name = args.optString("name");
        String description = args.optString("description");
        if (args.raw("bitmaps") != null) {
            throw QmpError.generic("Exporting dirty bitmaps is not supported");
        }
        if (args.bool("allocation-depth", false)) {
            throw QmpError.generic("Exporting the allocation depth is not supported");
        }
        args.end();
        if (exports.exports().stream().anyMatch(e -> idOf(e.name()).equals(id))) {
            throw QmpError.generic("Block export id '" + id + "' is already in use");
        }
        if (iothread != null) {
            try {
                graph.setAioContext(node, iothread);
            } catch (org.blocklayer.api.error.BlockException e) {
                if (fixedIothread) {
                    throw e;
                }
            }
        }
        String nbdName = name == null ? node : name;
        exports.add(new ExportOptions(node, nbdName, writable, description, ExportOptions.MultiConn.AUTO));
        ids.put(nbdName, id);
        return JSON.objectNode();
    }

    /** {@code qmp_block_export_del}: {@code mode: hard} disconnects the clients at once. */
    private ObjectNode delete(QmpArgs args) throws Exception {
        String id = args.string("id");
        String mode = args.optEnum("mode", List.of("safe", "hard"));
        args.end();
        for (ExportInfo e : exports.exports()) {
            if (idOf(e.name()).equals(id)) {
                exports.delete(e.name(), "hard".equals(mode));
                return JSON.objectNode();
            }
        }
        throw QmpError.generic("Export '" + id + "' is not found");
    }
}
