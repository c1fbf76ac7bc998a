package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.EventLoops;

/**
 * The BlockBackends of the graph ({@code blk_new}, {@code blk_insert_bs}, {@code blk_set_perm}, {@code blk_unref},
 * {@code blk_by_name}): attaching one to its root node and every change of its permissions goes through a
 * permission refresh of the graph below, which either succeeds everywhere or changes nothing. Main loop only,
 * except where a method says otherwise.
 */
final class Backends {
    private final Graph graph;
    /** Creation order; main loop only. */
    private final List<BlockBackendImpl> all = new ArrayList<>();

    Backends(Graph graph) {
        this.graph = graph;
    }

    /** The event loops the backends' requests run in. */
    EventLoops scheduler() {
        return graph.scheduler();
    }

    /** {@code device}: how an anonymous backend's user is named in messages ({@code blk_attach_dev}), or null. */
    BlockBackend attach(String nodeName, String name, String device, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        String id = name == null ? "" : name;
        return graph.scheduler().inMainLoop(() -> {
            checkName(id);
            BlockBackendImpl blk = insert(graph.table().find(nodeName), id, device, Permission.mask(taken),
                    Permission.mask(shared));
            all.add(blk);
            return blk;
        });
    }

    /**
     * An anonymous user for one operation of the graph's own, in the main loop ({@code blk_new_with_bs}): attached
     * and checked, or refused with nothing attached. {@link #release} lets it go.
     */
    @GlobalStateCode
    BlockBackendImpl temporary(BlockDriverState bs, int taken, int shared) throws BlockException {
        return insert(bs, "", null, taken, shared);
    }

    /** {@code blk_insert_bs}: the backend joins its node's users, checked through the graph, or nothing changes. */
    @GlobalStateCode
    private BlockBackendImpl insert(BlockDriverState bs, String name, String device, int taken, int shared)
            throws BlockException {
        BlockBackendImpl blk = new BlockBackendImpl(this, name, device, bs, taken, shared);
        bs.users().backends().add(blk);
        try {
            Permissions.refresh(List.of(bs));
        } catch (BlockException | RuntimeException e) {
            bs.users().backends().remove(blk);
            throw e;
        }
        return blk;
    }

    /**
     * {@code qmp_block_resize}: an anonymous user that takes resize (refused if another user does not share it),
     * then the node quiesced so the resize does not race with I/O, then {@code blk_truncate}; the new length.
     */
    @GlobalStateCode
    long resize(BlockDriverState bs, long size) throws BlockException {
        BlockBackendImpl resizer = temporary(bs, Permissions.RESIZE, Permissions.ALL);
        try {
            graph.drainer().drainedBegin(bs);
            try {
                return ContextLocks.holding(bs.aioContext(), () -> NodeIo.truncate(bs, size));
            } finally {
                graph.drainer().drainedEnd(bs);
            }
        } finally {
            release(resizer);
        }
    }

    @GlobalStateCode
    void release(BlockBackendImpl blk) {
        blk.root().users().backends().remove(blk);
        graph.release().relaxPermissions(blk.root());
    }

    /** {@code monitor_add_blk}'s checks: a well-formed id, unique among backends and node names (B20). */
    @GlobalStateCode
    private void checkName(String id) throws BlockException {
        if (id.isEmpty()) {
            return;
        }
        if (!NodeNames.wellFormed(id)) {
            throw new BlockException(Errno.EINVAL, "Invalid device name '" + id + "'");
        }
        if (find(id) != null) {
            throw new BlockException(Errno.EINVAL, "Device with id '" + id + "' already exists");
        }
        if (graph.table().has(id)) {
            throw new BlockException(Errno.EINVAL, "Device name '" + id + "' conflicts with an existing node name");
        }
    }

    /** {@code blk_set_perm}: checked through the graph; on failure the backend keeps what it had. */
    void setPermissions(BlockBackendImpl blk, int taken, int shared) throws BlockException {
        graph.scheduler().inMainLoop(() -> {
            int oldTaken = blk.takenMask();
            int oldShared = blk.sharedMask();
            blk.setMasks(taken, shared);
            try {
                Permissions.refresh(List.of(blk.root()));
            } catch (BlockException | RuntimeException e) {
                blk.setMasks(oldTaken, oldShared);
                throw e;
            }
            return null;
        });
    }

    /** {@code blk_remove_bs}: the backend lets go of its node, whose permissions relax. */
    void detach(BlockBackendImpl blk) {
        try {
            graph.scheduler().inMainLoop(() -> {
                all.remove(blk);
                release(blk);
                return null;
            });
        } catch (BlockException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code blk_by_name}, or null. */
    @GlobalStateCode
    BlockBackendImpl find(String name) {
        for (BlockBackendImpl blk : all) {
            if (blk.name().equals(name)) {
                return blk;
            }
        }
        return null;
    }

    BlockBackend backend(String name) throws BlockException {
        return graph.scheduler().inMainLoop(() -> {
            BlockBackendImpl blk = name.isEmpty() ? null : find(name);
            if (blk == null) {
                throw new BlockException(Errno.ENOENT, "Device '" + name + "' not found");
            }
            return blk;
        });
    }

    List<BackendInfo> infos() throws BlockException {
        return graph.scheduler().inMainLoop(() -> all.stream().map(Backends::info).toList());
    }

    static BackendInfo info(BlockBackendImpl blk) {
        return new BackendInfo(blk.name(), blk.userDescription(), blk.nodeName(), blk.permissions(),
                blk.sharedPermissions());
    }

    /** Any thread: how long a request waits for a driver that went away (X2). */
    long detachTimeoutNanos() {
        return graph.detachTimeoutNanos();
    }

    /** Any thread: wakes whoever polls for requests in flight to end (a drain). */
    void kick() {
        graph.scheduler().aioWait().kick();
    }

    /** A user's callback that threw: reported, and the block layer goes on (QEMU's callbacks cannot fail). */
    void reportDevOpsFailure(BlockBackendImpl blk, String callback, RuntimeException e) {
        graph.log().warn("{} of node {}: {} failed", blk.userDescription(), blk.nodeName(), callback, e);
    }

    GraphLock graphLock() {
        return graph.graphLock();
    }
}
