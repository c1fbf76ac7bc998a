package org.blocklayer.core.internal.graph;

import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.lock.GraphLock;

/**
 * {@code bdrv_open_child} for a driver's open: the child an option names (an existing node, one more reference on
 * it) or the one its {@code child.*} options open, brought into one AioContext with its parent and attached by a new
 * edge ({@code bdrv_attach_child}). Main loop only.
 */
final class ChildOpener {
    private final Graph graph;

    ChildOpener(Graph graph) {
        this.graph = graph;
    }

    /**
     * A new child is opened in the parent's context; an existing one in another context makes the parent (new, so
     * empty) join that context, or, when the parent is pinned, the child's subgraph join the parent's (B42). When
     * neither can move, EBUSY and the open fails. A node whose driver comes back (X2) gets the child it had.
     */
    @GlobalStateCode
    BdrvChild open(BlockDriverState parent, BlockOptions options, String childName, Set<ChildRole> roles,
                   boolean allowNone) throws BlockException {
        graph.scheduler().assertMainLoop("bdrv_open_child");
        String reference = options.takeString(childName);
        BlockOptions childOptions = options.extractSub(childName);
        if (parent.medium().isReattaching()) {
            for (BdrvChild existing : parent.edges().children()) {
                if (existing.name().equals(childName)) {
                    return existing;
                }
            }
        }
        BlockDriverState child;
        if (reference != null) {
            if (!childOptions.isEmpty()) {
                throw new BlockException(Errno.EINVAL, "Cannot reference an existing block device ('"
                        + reference + "') and give options for '" + childName + "' at the same time");
            }
            child = graph.table().find(reference);
            child.users().ref();
        } else if (childOptions.isEmpty()) {
            if (allowNone) {
                return null;
            }
            throw new BlockException(Errno.EINVAL, "A block device must be specified for \"" + childName + "\"");
        } else {
            child = graph.opener().openChild(parent, childName, childOptions);
        }
        try {
            // All nodes joined by edges share one context (B42): the new parent joins an existing child's.
            graph.contextChange().join(parent, child, childName);
        } catch (BlockException | RuntimeException e) {
            graph.release().unref(child);
            throw e;
        }
        BdrvChild edge = new BdrvChild(childName, roles, parent, child);
        try (GraphLock.Writer w = graph.wrlock()) {
            NodeEdges.attach(edge);
        }
        return edge;
    }
}
