package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.lock.GraphLock;

/**
 * Letting go of nodes (block.c): {@code bdrv_unref}, {@code bdrv_unref_child}, {@code bdrv_close}'s driver half, the
 * permission refresh once a user let go, and the refusal to close a node someone still uses. Main loop only.
 */
final class NodeRelease {
    private final Graph graph;

    NodeRelease(Graph graph) {
        this.graph = graph;
    }

    /** Closes a node its user opened: EBUSY, naming every other user (parents and backends), while it has one. */
    @GlobalStateCode
    void closeByUser(BlockDriverState bs) throws BlockException {
        List<String> users = new ArrayList<>();
        for (BdrvChild user : bs.edges().parents()) {
            users.add("node '" + user.parent().nodeName() + "' uses it as its '" + user.name() + "' child");
        }
        for (BlockBackendImpl user : bs.users().backends()) {
            users.add(user.userDescription() + " uses it");
        }
        if (!users.isEmpty()) {
            throw new BlockException(Errno.EBUSY, "Node '" + bs.nodeName() + "' is busy: " + String.join("; ", users));
        }
        unref(bs);
    }

    /** {@code bdrv_unref}: at zero the node is closed, its children released, and it leaves the graph. */
    @GlobalStateCode
    void unref(BlockDriverState bs) {
        if (bs.users().unref() > 0) {
            return;
        }
        String driver = bs.driver() != null ? bs.driver().formatName() : bs.medium().goneDriver();
        String version = graph.driverRegistry().version(bs.driver());
        try (GraphLock.Writer w = graph.wrlock()) {
            closeDriverQuietly(bs);
        }
        for (BdrvChild edge : List.copyOf(bs.edges().children())) {
            unrefChild(edge);
        }
        graph.table().forget(bs);
        if (graph.events().closed(bs, driver, version)) {
            graph.table().changed();
        }
    }

    /** {@code bdrv_unref_child}: the edge goes, then the parent's reference on the child. */
    @GlobalStateCode
    void unrefChild(BdrvChild edge) {
        try (GraphLock.Writer w = graph.wrlock()) {
            NodeEdges.detach(edge);
        }
        BlockDriverState child = edge.node();
        unref(child);
        if (child.users().refcnt() > 0) {
            relaxPermissions(child);
        }
    }

    /** {@code bdrv_close}'s driver half: the driver forgets the node; the node has no medium from then on. */
    @GlobalStateCode
    void closeDriverQuietly(BlockDriverState bs) {
        BlockDriver d = bs.driver();
        if (d == null) {
            return;
        }
        try {
            d.close(bs);
        } catch (RuntimeException e) {
            graph.log().warn("driver {} failed to close node {}", d.formatName(), bs.nodeName(), e);
        }
        bs.medium().setDriver(null);
        bs.setOpaque(null);
    }

    /**
     * After a user let go of {@code bs} (a backend closed, a parent gone): what the node and those below it hold is
     * recomputed, which can only relax, so a failure here is a driver's fault and only logged.
     */
    @GlobalStateCode
    void relaxPermissions(BlockDriverState bs) {
        try {
            Permissions.refresh(List.of(bs));
        } catch (BlockException | RuntimeException e) {
            graph.log().warn("node {}: releasing permissions failed: {}", bs.nodeName(), e.getMessage());
        }
    }
}
