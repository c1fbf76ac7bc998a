package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.Set;

import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.CoFn;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;
import org.blocklayer.api.lock.GraphLock;

/**
 * The main-loop facade of the graph services: every call of {@link BlockGraph} and {@link BlockBackends}, from any
 * thread, runs in the main loop as a QMP command does in QEMU (blockdev.c, block/qapi.c), and its answer or its
 * BlockException comes back to the caller unchanged. It only looks nodes up and hands the work to the room that
 * does it; {@link Graph}, the component, provides the rooms.
 */
abstract class MainLoopFacade implements BlockGraph, BlockBackends {

    abstract EventLoops scheduler();

    abstract GraphLock graphLock();

    abstract NodeTable table();

    abstract NodeOpener opener();

    abstract NodeRelease release();

    abstract Drain drainer();

    abstract ContextChange contextChange();

    abstract IoThreads ioThreads();

    abstract DriverWhiteboard whiteboard();

    abstract Backends backendList();

    /** Any thread: how long I/O waits for a driver that went away before failing with ENOMEDIUM (X2). */
    abstract long detachTimeoutNanos();

    abstract void setDetachTimeoutNanos(long nanos);

    @Override
    public java.time.Duration detachTimeout() {
        return java.time.Duration.ofNanos(detachTimeoutNanos());
    }

    @Override
    public void setDetachTimeout(java.time.Duration timeout) throws BlockException {
        if (timeout.isNegative()) {
            throw new BlockException(Errno.EINVAL, "detach-timeout cannot be negative: " + timeout);
        }
        setDetachTimeoutNanos(timeout.toNanos());
    }

    @Override
    public List<DriverInfo> drivers() {
        return snapshot(() -> whiteboard().infos());
    }

    // ---- BlockGraph: any thread ----

    @Override
    public BlockNode open(String filename, BlockOptions options, int flags) throws BlockException {
        return open(filename, options, flags, null);
    }

    /**
     * Born in the main loop, as bdrv_new does, or in the iothread asked for. Without one it may join the context of
     * a node it references (B42); with one, its open's context moves are undone by a move back there.
     */
    @Override
    public BlockNode open(String filename, BlockOptions options, int flags, String iothreadOrMain)
            throws BlockException {
        BlockOptions copy = options == null ? new BlockOptions() : options.copy();
        // Announced once in the context asked for: a failed move leaves nothing, so it announces nothing.
        return scheduler().inMainLoop(() -> table().announcing(copy, () -> {
            EventLoop ctx = iothreadOrMain == null ? scheduler().mainLoop() : ioThreads().context(iothreadOrMain);
            BlockDriverState bs = opener().open(filename, copy, flags, null, ctx);
            // bdrv_refresh_perms once the whole subtree is attached: a conflict with existing users undoes the open.
            Permissions.refresh(List.of(bs));
            // A failed move fails the open: announcing's rollback takes out every node it created.
            if (iothreadOrMain != null && bs.aioContext() != ctx) {
                contextChange().change(bs, ctx);
            }
            return bs;
        }));
    }

    @Override
    public BlockNode node(String name) throws BlockException {
        return scheduler().inMainLoop(() -> table().find(name));
    }

    @Override
    public List<NodeInfo> nodes() {
        return snapshot(() -> table().infos());
    }

    @Override
    public NodeInfo info(String name) throws BlockException {
        return scheduler().inMainLoop(() -> table().info(table().find(name)));
    }

    /** The seed's rule: a non-coroutine caller of a co_wrapper holds the node's AioContext lock. */
    @Override
    public long getLength(String name) throws BlockException {
        return inNodeContext(name, NodeLength::getLength);
    }

    @Override
    public long refresh(String name) throws BlockException {
        return inNodeContext(name, bs -> {
            NodeLength.refreshSubtree(bs);
            return NodeLength.getLength(bs);
        });
    }

    @Override
    public long driverLength(String name) throws BlockException {
        return inNodeContext(name, bs -> CoWrappers.wrapperRdlock(bs.aioContext(), graphLock(),
                () -> NodeLength.coDriverLength(bs)));
    }

    @Override
    public long resize(String name, long size) throws BlockException {
        if (size < 0) {
            throw new BlockException(Errno.EINVAL, "Parameter 'size' expects a >0 size");
        }
        return scheduler().inMainLoop(() -> backendList().resize(table().find(name), size));
    }

    @Override
    public void close(String name) throws BlockException {
        scheduler().inMainLoop(() -> {
            release().closeByUser(table().find(name));
            return null;
        });
    }

    @Override
    public void drain(String name) throws BlockException {
        inNodeContext(name, bs -> {
            drainer().drainedBegin(bs);
            drainer().drainedEnd(bs);
            return null;
        });
    }

    @Override
    public void drainAll() throws BlockException {
        scheduler().inMainLoop(() -> {
            drainer().drainAllBegin();
            drainer().drainAllEnd();
            return null;
        });
    }

    @Override
    public List<String> iothreads() {
        return snapshot(() -> ioThreads().ids());
    }

    @Override
    public void addIothread(String id) throws BlockException {
        scheduler().inMainLoop(() -> ioThreads().add(id));
    }

    @Override
    public void deleteIothread(String id) throws BlockException {
        scheduler().inMainLoop(() -> {
            ioThreads().delete(id);
            return null;
        });
    }

    @Override
    public void setAioContext(String node, String iothreadOrMain) throws BlockException {
        scheduler().inMainLoop(() -> {
            contextChange().change(table().find(node), ioThreads().context(iothreadOrMain));
            return null;
        });
    }

    /** Runs {@code call} in the main loop on the node of that name, holding its AioContext lock. */
    private <T> T inNodeContext(String name, NodeCall<T> call) throws BlockException {
        return scheduler().inMainLoop(() -> {
            BlockDriverState bs = table().find(name);
            return ContextLocks.holding(bs.aioContext(), () -> call.call(bs));
        });
    }

    @FunctionalInterface
    private interface NodeCall<T> {
        T call(BlockDriverState bs) throws BlockException;
    }

    /** A list made in the main loop, for the methods of the service that declare no exception. */
    private <T> List<T> snapshot(CoFn<List<T>> list) {
        try {
            return scheduler().inMainLoop(list);
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- BlockBackends ----

    @Override
    public BlockBackend attach(String nodeName, String name, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        return backendList().attach(nodeName, name, null, taken, shared);
    }

    @Override
    public BlockBackend attachAs(String user, String nodeName, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        return backendList().attach(nodeName, "", user, taken, shared);
    }

    @Override
    public BlockBackend backend(String name) throws BlockException {
        return backendList().backend(name);
    }

    @Override
    public List<BackendInfo> backends() {
        try {
            return backendList().infos();
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<NodeUser> users(String nodeName) throws BlockException {
        return scheduler().inMainLoop(() -> Permissions.nodeUsers(table().find(nodeName)));
    }
}
