package org.blocklayer.shell.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;

/** A block graph that only remembers: nodes are NodeInfo records, open records what it was asked. */
final class FakeBlockGraph implements BlockGraph {
    record OpenCall(String filename, BlockOptions options, int flags) {
    }

    final List<OpenCall> opens = new ArrayList<>();
    final List<String> closed = new ArrayList<>();
    final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    final List<DriverInfo> drivers = new ArrayList<>();
    /** When set, every call that may fail fails with it. */
    BlockException failure;
    private int generated;

    FakeBlockGraph add(NodeInfo node) {
        nodes.put(node.node(), node);
        return this;
    }

    static NodeInfo node(String name, String driver, String filename, long length) {
        return new NodeInfo(name, driver, filename, null, length / 512, length, null, false, false, false, "main");
    }

    @Override
    public BlockNode open(String filename, BlockOptions options, int flags) throws BlockException {
        opens.add(new OpenCall(filename, options.copy(), flags));
        failIfAsked();
        String name = options.has("node-name") ? options.get("node-name") : "#block" + generated++;
        String file = filename != null ? filename : options.get("file.filename");
        add(new NodeInfo(name, options.has("driver") ? options.get("driver") : "raw", file, null, 0, 0, null,
                false, false, (flags & OpenFlags.RDWR) == 0, "main"));
        return nodeNamed(name);
    }

    @Override
    public BlockNode node(String name) throws BlockException {
        return nodeNamed(find(name).node());
    }

    @Override
    public List<NodeInfo> nodes() {
        return List.copyOf(nodes.values());
    }

    @Override
    public NodeInfo info(String name) throws BlockException {
        return find(name);
    }

    @Override
    public long getLength(String name) throws BlockException {
        return find(name).length();
    }

    @Override
    public void close(String name) throws BlockException {
        find(name);
        nodes.remove(name);
        closed.add(name);
    }

    @Override
    public void drain(String name) throws BlockException {
        find(name);
    }

    @Override
    public void drainAll() throws BlockException {
        failIfAsked();
    }

    @Override
    public List<DriverInfo> drivers() {
        return List.copyOf(drivers);
    }

    private NodeInfo find(String name) throws BlockException {
        failIfAsked();
        NodeInfo n = nodes.get(name);
        if (n == null) {
            throw new BlockException(Errno.ENOENT, "Cannot find node '" + name + "'");
        }
        return n;
    }

    private void failIfAsked() throws BlockException {
        if (failure != null) {
            throw failure;
        }
    }

    /** Only nodeName() is needed by the shell. */
    private static BlockNode nodeNamed(String name) {
        return (BlockNode) Proxy.newProxyInstance(BlockNode.class.getClassLoader(), new Class<?>[] {BlockNode.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "nodeName", "toString" -> name;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
