package org.blocklayer.qmp.internal;

import java.util.List;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Iothreads over QMP: {@code object-add}/{@code object-del} of {@code qom-type: iothread} (qom/object_interfaces.c),
 * {@code query-iothreads}, and {@code x-blockdev-set-iothread} (blockdev.c). Main loop.
 */
final class IothreadCommands {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final BlockGraph graph;
    private final BlockBackends backends;

    IothreadCommands(BlockGraph graph, BlockBackends backends) {
        this.graph = graph;
        this.backends = backends;
    }

    void register(CommandTable table) {
        CommandTable.Where main = CommandTable.Where.MAIN_LOOP;
        table.add("object-add", main, this::add);
        table.add("object-del", main, this::delete);
        table.add("query-iothreads", main, args -> {
            args.end();
            ArrayNode list = JSON.arrayNode();
            graph.iothreads().forEach(id -> list.addObject().put("id", id));
            return list;
        });
        table.add("x-blockdev-set-iothread", main, this::setIothread);
    }

    /** {@code qmp_object_add}: only iothreads are objects here; their polling tunables are not taken. */
    private ObjectNode add(QmpArgs args) throws Exception {
        String type = args.string("qom-type");
        String id = args.string("id");
        if (!type.equals("iothread")) {
            throw QmpError.badEnum("qom-type", type);
        }
        args.end();
        if (graph.iothreads().contains(id)) {
            throw QmpError.generic("attempt to add duplicate property '" + id + "' to object (type 'container')");
        }
        graph.addIothread(id);
        return JSON.objectNode();
    }

    /** {@code qmp_object_del}. */
    private ObjectNode delete(QmpArgs args) throws Exception {
        String id = args.string("id");
        args.end();
        if (!graph.iothreads().contains(id)) {
            throw QmpError.generic("object '" + id + "' not found");
        }
        graph.deleteIothread(id);
        return JSON.objectNode();
    }

    /** {@code qmp_x_blockdev_set_iothread}: {@code iothread} a name, or null for the main loop. */
    private ObjectNode setIothread(QmpArgs args) throws Exception {
        String node = args.string("node-name");
        JsonNode iothread = args.raw("iothread");
        if (iothread == null) {
            throw QmpError.missing("iothread");
        }
        if (!iothread.isTextual() && !iothread.isNull()) {
            throw QmpError.invalidType("iothread", "StrOrNull");
        }
        boolean force = args.bool("force", false);
        args.end();
        if (!exists(node)) {
            throw QmpError.generic("Failed to find node with node-name='" + node + "'");
        }
        if (!force && hasBackend(node)) {
            throw QmpError.generic("Node " + node + " is associated with a BlockBackend and could be in use (use"
                    + " force=true to override this check)");
        }
        String target = BlockGraph.MAIN_CONTEXT;
        if (iothread.isTextual()) {
            target = iothread.textValue();
            if (!graph.iothreads().contains(target)) {
                throw QmpError.generic("Cannot find iothread " + target);
            }
        }
        graph.setAioContext(node, target);
        return JSON.objectNode();
    }

    private boolean hasBackend(String node) throws Exception {
        List<NodeUser> users = backends.users(node);
        return users.stream().anyMatch(u -> u.as().equals("root"));
    }

    private boolean exists(String node) {
        return graph.nodes().stream().map(NodeInfo::node).anyMatch(node::equals);
    }
}
