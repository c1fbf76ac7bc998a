package org.blocklayer.core.internal.graph;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.ChildRole;

/**
 * An edge parent → child ({@code BdrvChild}); made and removed only under the graph write lock. It is a user of
 * its child in the permission system: what it takes and shares is set by {@link Permissions}, in the main loop.
 */
final class BdrvChild implements BlockChild, PermissionUser {
    private final String name;
    private final Set<ChildRole> roles;
    private final BlockDriverState parent;
    private final BlockDriverState child;
    /** Nothing until the first refresh; sharing everything, so that a new edge never conflicts before it. */
    private volatile int taken;
    private volatile int shared = Permissions.ALL;

    BdrvChild(String name, Set<ChildRole> roles, BlockDriverState parent, BlockDriverState child) {
        this.name = name;
        this.roles = Collections.unmodifiableSet(roles.isEmpty() ? EnumSet.noneOf(ChildRole.class)
                : EnumSet.copyOf(roles));
        this.parent = parent;
        this.child = child;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<ChildRole> roles() {
        return roles;
    }

    @Override
    public BlockDriverState parent() {
        return parent;
    }

    @Override
    public BlockDriverState node() {
        return child;
    }

    @Override
    public String userDescription() {
        return "node '" + parent.nodeName() + "'";
    }

    @Override
    public String childName() {
        return name;
    }

    @Override
    public int takenMask() {
        return taken;
    }

    @Override
    public int sharedMask() {
        return shared;
    }

    /** {@code bdrv_child_set_perm}, once a refresh has been checked on every node. */
    void setPermissions(int taken, int shared) {
        this.taken = taken;
        this.shared = shared;
    }

    @Override
    public String toString() {
        return parent.nodeName() + " -" + name + "-> " + child.nodeName();
    }
}
