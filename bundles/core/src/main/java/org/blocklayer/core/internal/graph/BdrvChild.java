package org.blocklayer.core.internal.graph;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.ChildRole;

/** An edge parent → child ({@code BdrvChild}); made and removed only under the graph write lock. */
final class BdrvChild implements BlockChild {
    private final String name;
    private final Set<ChildRole> roles;
    private final BlockDriverState parent;
    private final BlockDriverState child;

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
    public String toString() {
        return parent.nodeName() + " -" + name + "-> " + child.nodeName();
    }
}
