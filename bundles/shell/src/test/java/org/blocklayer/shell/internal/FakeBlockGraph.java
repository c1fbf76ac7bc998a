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
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;

/** A block graph that only remembers: nodes are NodeInfo records, open records what it was asked. */
final class FakeBlockGraph implements BlockGraph {
    /** One open; {@code iothread} is null when the three-argument open was called. */
    record OpenCall(String filename, BlockOptions options, int flags, String iothread) {
        OpenCall(String filename, BlockOptions options, int flags) {
            this(filename, options, flags, null);
        }
    }

    record Move(String node, String context) {
    }

    record CreateCall(String format, String filename, long size, BlockOptions options) {
    }

    final List<OpenCall> opens = new ArrayList<>();
    final List<String> closed = new ArrayList<>();
    final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    final List<DriverInfo> drivers = new ArrayList<>();
    final List<String> iothreads = new ArrayList<>();
    final List<Move> moves = new ArrayList<>();
    final List<CreateCall> creates = new ArrayList<>();
    /** What createOptions answers, and what create puts in front of the given options (size first). */
    final List<CreateOption> createOptions = new ArrayList<>();
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
        return open(new OpenCall(filename, options.copy(), flags), MAIN_CONTEXT);
    }

    @Override
    public BlockNode open(String filename, BlockOptions options, int flags, String iothreadOrMain)
            throws BlockException {
        return open(new OpenCall(filename, options.copy(), flags, iothreadOrMain), iothreadOrMain);
    }

    private BlockNode open(OpenCall call, String context) throws BlockException {
        opens.add(call);
        failIfAsked();
        requireContext(context);
        BlockOptions options = call.options();
        String name = options.has("node-name") ? options.get("node-name") : "#block" + generated++;
        String file = call.filename() != null ? call.filename() : options.get("file.filename");
        add(new NodeInfo(name, options.has("driver") ? options.get("driver") : "raw", file, null, 0, 0, null,
                false, false, (call.flags() & OpenFlags.RDWR) == 0, context));
        return nodeNamed(name, (call.flags() & OpenFlags.RDWR) == 0);
    }

    @Override
    public BlockNode node(String name) throws BlockException {
        NodeInfo info = find(name);
        return nodeNamed(info.node(), info.readOnly());
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
    public long resize(String name, long size) throws BlockException {
        find(name);
        return size;
    }

    @Override
    public void close(String name) throws BlockException {
        find(name);
        nodes.remove(name);
        closed.add(name);
    }

    private java.time.Duration detachTimeout = java.time.Duration.ofSeconds(30);

    @Override
    public java.time.Duration detachTimeout() {
        return detachTimeout;
    }

    @Override
    public void setDetachTimeout(java.time.Duration timeout) {
        detachTimeout = timeout;
    }

    @Override
    public long driverLength(String name) throws BlockException {
        return find(name).length();
    }

    @Override
    public long refresh(String name) throws BlockException {
        return find(name).length();
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

    @Override
    public List<String> iothreads() {
        return List.copyOf(iothreads);
    }

    @Override
    public void addIothread(String id) throws BlockException {
        failIfAsked();
        if (iothreads.contains(id) || MAIN_CONTEXT.equals(id)) {
            throw new BlockException(Errno.EINVAL, "Duplicate IOThread with id='" + id + "'");
        }
        iothreads.add(id);
    }

    @Override
    public void deleteIothread(String id) throws BlockException {
        failIfAsked();
        requireContext(id);
        List<String> users = nodes.values().stream().filter(n -> n.aioContext().equals(id)).map(NodeInfo::node)
                .toList();
        if (!users.isEmpty()) {
            throw new BlockException(Errno.EBUSY, "IOThread '" + id + "' is in use by node '" + users.get(0) + "'");
        }
        iothreads.remove(id);
    }

    @Override
    public void setAioContext(String node, String iothreadOrMain) throws BlockException {
        NodeInfo n = find(node);
        requireContext(iothreadOrMain);
        moves.add(new Move(node, iothreadOrMain));
        add(new NodeInfo(n.node(), n.driver(), n.filename(), n.fileChild(), n.totalSectors(), n.length(),
                n.lengthError(), n.sg(), n.variableLength(), n.readOnly(), iothreadOrMain));
    }

    @Override
    public BlockOptions create(String format, String filename, long size, BlockOptions options)
            throws BlockException {
        creates.add(new CreateCall(format, filename, size, options.copy()));
        failIfAsked();
        BlockOptions created = new BlockOptions().put("size", Long.toString(size));
        options.asMap().forEach(created::put);
        return created;
    }

    @Override
    public List<CreateOption> createOptions(String format, String filename) throws BlockException {
        failIfAsked();
        return List.copyOf(createOptions);
    }

    private void requireContext(String iothreadOrMain) throws BlockException {
        if (!MAIN_CONTEXT.equals(iothreadOrMain) && !iothreads.contains(iothreadOrMain)) {
            throw new BlockException(Errno.ENOENT, "Cannot find IOThread '" + iothreadOrMain + "'");
        }
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
    private static BlockNode nodeNamed(String name, boolean readOnly) {
        return (BlockNode) Proxy.newProxyInstance(BlockNode.class.getClassLoader(), new Class<?>[] {BlockNode.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "nodeName", "toString" -> name;
                    case "isReadOnly" -> readOnly;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
