package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.graph.ChildRole;

/**
 * A node's edges ({@code bs->children}, {@code bs->parents}) and the two it names by role, {@code bs->file} and
 * {@code bs->backing} (B21). Changed only under the graph write lock; read anywhere.
 */
final class NodeEdges {
    private final List<BdrvChild> children = new CopyOnWriteArrayList<>();
    private final List<BdrvChild> parents = new CopyOnWriteArrayList<>();
    private volatile BdrvChild file;
    private volatile BdrvChild backing;

    List<BdrvChild> children() {
        return children;
    }

    List<BdrvChild> parents() {
        return parents;
    }

    BdrvChild file() {
        return file;
    }

    BdrvChild backing() {
        return backing;
    }

    /**
     * {@code bdrv_replace_child_noperm} adding an edge ({@code bdrv_child_cb_attach}): recorded on both ends, named by
     * its role. A filter's PRIMARY child is its file, or its backing child when the driver says
     * {@code filtered_child_is_backing}; otherwise COW names the backing child and PRIMARY the file.
     */
    static void attach(BdrvChild edge) {
        NodeEdges parent = edge.parent().edges();
        parent.children.add(edge);
        edge.node().edges().parents.add(edge);
        Set<ChildRole> roles = edge.roles();
        BlockDriver drv = edge.parent().driver();
        boolean filter = (drv != null && drv.isFilter()) || roles.contains(ChildRole.FILTERED);
        if (filter && roles.contains(ChildRole.PRIMARY)) {
            if (drv != null && drv.filteredChildIsBacking()) {
                parent.backing = edge;
            } else {
                parent.file = edge;
            }
        } else if (roles.contains(ChildRole.COW)) {
            parent.backing = edge;
        } else if (roles.contains(ChildRole.PRIMARY)) {
            parent.file = edge;
        }
    }

    /** {@code bdrv_replace_child_noperm} removing an edge from both ends. */
    static void detach(BdrvChild edge) {
        NodeEdges parent = edge.parent().edges();
        parent.children.remove(edge);
        edge.node().edges().parents.remove(edge);
        if (parent.file == edge) {
            parent.file = null;
        }
        if (parent.backing == edge) {
            parent.backing = null;
        }
    }
}
