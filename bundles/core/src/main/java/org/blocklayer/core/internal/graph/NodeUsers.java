package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who holds a node and what they hold: its references ({@code bs->refcnt}: the user who opened it, and each parent
 * that uses it as a child), its BlockBackends ({@code bs->parents} holds them in QEMU, as root edges), and
 * {@code bdrv_get_cumulative_perm} as the last permission refresh set it. Written in the main loop (by the graph,
 * {@link Permissions} and {@link Backends}), read anywhere.
 */
final class NodeUsers {
    private final List<BlockBackendImpl> backends = new CopyOnWriteArrayList<>();
    private int refcnt = 1;
    private volatile int cumulativeTaken;
    private volatile int cumulativeShared = Permissions.ALL;

    /** {@code bdrv_ref}. */
    void ref() {
        ++refcnt;
    }

    /** {@code bdrv_unref}'s count: at zero the node goes. */
    int unref() {
        return --refcnt;
    }

    int refcnt() {
        return refcnt;
    }

    /** The BlockBackends attached to the node as their root. */
    List<BlockBackendImpl> backends() {
        return backends;
    }

    void setCumulativePermissions(int taken, int shared) {
        this.cumulativeTaken = taken;
        this.cumulativeShared = shared;
    }

    /** What the node's users take, as a {@code BLK_PERM_*} mask. */
    int cumulativeTaken() {
        return cumulativeTaken;
    }

    /** What every user of the node shares, as a {@code BLK_PERM_*} mask. */
    int cumulativeShared() {
        return cumulativeShared;
    }
}
