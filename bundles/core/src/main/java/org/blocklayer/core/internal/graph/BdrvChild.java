package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.ChildRole;

/**
 * An edge parent → child ({@code BdrvChild}); made and removed only under the graph write lock. It is a user of
 * its child in the permission system: what it takes and shares is set by {@link Permissions}, in the main loop.
 * The parent's driver does its I/O on the child through it, as QEMU's {@code bdrv_co_preadv(child, ...)}.
 */
final class BdrvChild implements DriverChild, PermissionUser {
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

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(long offset, ByteBuffer buf, int flags) throws BlockException {
        NodeIo.coPreadv(child, offset, buf, flags);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(long offset, ByteBuffer buf, int flags) throws BlockException {
        NodeIo.coPwritev(child, offset, buf, flags, (takenMask() & Permissions.RESIZE) != 0);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush() throws BlockException {
        NodeIo.coFlush(child);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        ZeroesAndDiscard.coPwriteZeroes(child, offset, bytes, flags);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(long offset, long bytes) throws BlockException {
        ZeroesAndDiscard.coPdiscard(child, offset, bytes);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public BlockStatus.Status coBlockStatus(boolean wantZero, long offset, long bytes) throws BlockException {
        return NodeBlockStatus.coBlockStatus(child, wantZero, offset, bytes);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public long coTruncate(long offset) throws BlockException {
        return NodeIo.coTruncate(child, offset);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength() throws BlockException {
        return child.coGetLength();
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
