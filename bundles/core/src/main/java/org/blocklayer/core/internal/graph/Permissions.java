package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.ChildPermissions;
import org.blocklayer.api.driver.PermissionHandler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.graph.PermissionPair;

/**
 * The permission system of block.c: every user of a node takes permissions and shares a set; a node passes what its
 * users need down to its children ({@code bdrv_child_perm}, {@code bdrv_default_perms}); a change is checked on
 * every node below where it happens, conflicts and read-only nodes refused, and only then set everywhere
 * ({@code bdrv_refresh_perms}: check, then set or abort). Main loop only.
 */
final class Permissions {
    static final int CONSISTENT_READ = Permission.CONSISTENT_READ.mask();
    static final int WRITE = Permission.WRITE.mask();
    static final int WRITE_UNCHANGED = Permission.WRITE_UNCHANGED.mask();
    static final int RESIZE = Permission.RESIZE.mask();
    /** {@code BLK_PERM_ALL}. */
    static final int ALL = Permission.ALL_MASK;
    /** {@code DEFAULT_PERM_PASSTHROUGH}: every permission there is. */
    private static final int PASSTHROUGH = ALL;
    /** {@code DEFAULT_PERM_UNCHANGED}: none, since 7.2 removed GRAPH_MOD. */
    private static final int UNCHANGED = ALL & ~PASSTHROUGH;

    private Permissions() {
    }

    /**
     * {@code bdrv_refresh_perms} for the subgraphs below {@code roots}: each node, parents before children, gets
     * the union of what its users take and the intersection of what they share; a conflict between two users, a
     * write user on a read-only node, or a driver's refusal (an image lock) fails with nothing changed.
     */
    @GlobalStateCode
    static void refresh(Collection<BlockDriverState> roots) throws BlockException {
        List<BlockDriverState> order = topological(roots);
        Map<BdrvChild, int[]> edges = new HashMap<>();
        Map<BlockDriverState, int[]> nodes = new HashMap<>();
        List<BlockDriverState> checked = new ArrayList<>();
        try {
            for (BlockDriverState bs : order) {
                List<PermissionUser> users = users(bs);
                refuseConflicts(bs, users, edges);
                int taken = 0;
                int shared = ALL;
                for (PermissionUser u : users) {
                    taken |= taken(u, edges);
                    shared &= shared(u, edges);
                }
                if ((taken & (WRITE | WRITE_UNCHANGED)) != 0 && bs.isReadOnly()) {
                    throw new BlockException(Errno.EPERM, "Block node is read-only");
                }
                if (bs.driver() instanceof PermissionHandler handler) {
                    handler.checkPermissions(bs, Permission.of(taken), Permission.of(shared));
                    checked.add(bs);
                }
                nodes.put(bs, new int[] {taken, shared});
                for (BdrvChild edge : bs.edges().children()) {
                    edges.put(edge, childPermissions(bs, edge, taken, shared));
                }
            }
        } catch (BlockException | RuntimeException e) {
            for (BlockDriverState bs : checked.reversed()) {
                if (bs.driver() instanceof PermissionHandler handler) {
                    handler.abortPermissionUpdate(bs);
                }
            }
            throw e;
        }
        edges.forEach((edge, perm) -> edge.setPermissions(perm[0], perm[1]));
        for (BlockDriverState bs : order) {
            int[] perm = nodes.get(bs);
            bs.users().setCumulativePermissions(perm[0], perm[1]);
            if (bs.driver() instanceof PermissionHandler handler) {
                handler.setPermissions(bs, Permission.of(perm[0]), Permission.of(perm[1]));
            }
        }
    }

    /** {@code bdrv_parent_perms_conflict}: every pair, both ways, as {@code bdrv_a_allow_b}. */
    private static void refuseConflicts(BlockDriverState bs, List<PermissionUser> users, Map<BdrvChild, int[]> edges)
            throws BlockException {
        for (PermissionUser a : users) {
            for (PermissionUser b : users) {
                int missing = a == b ? 0 : taken(b, edges) & ~shared(a, edges);
                if (missing != 0) {
                    String node = bs.nodeName();
                    throw new BlockException(Errno.EPERM, "Permission conflict on node '" + node + "': permissions '"
                            + Permission.names(missing) + "' are both required by " + b.userDescription()
                            + " (uses node '" + node + "' as '" + b.childName() + "' child) and unshared by "
                            + a.userDescription() + " (uses node '" + node + "' as '" + a.childName() + "' child).");
                }
            }
        }
    }

    /** What {@code BlockBackends.users} shows: each user of the node with what it takes and shares. */
    static List<NodeUser> nodeUsers(BlockDriverState bs) {
        return users(bs).stream().map(u -> new NodeUser(u.userDescription(), u.childName(),
                Permission.of(u.takenMask()), Permission.of(u.sharedMask()))).toList();
    }

    /** A node's users: the edges from its parents, then its backends. */
    static List<PermissionUser> users(BlockDriverState bs) {
        List<PermissionUser> users = new ArrayList<>(bs.edges().parents());
        users.addAll(bs.users().backends());
        return users;
    }

    private static int taken(PermissionUser u, Map<BdrvChild, int[]> edges) {
        int[] tentative = u instanceof BdrvChild edge ? edges.get(edge) : null;
        return tentative != null ? tentative[0] : u.takenMask();
    }

    private static int shared(PermissionUser u, Map<BdrvChild, int[]> edges) {
        int[] tentative = u instanceof BdrvChild edge ? edges.get(edge) : null;
        return tentative != null ? tentative[1] : u.sharedMask();
    }

    /** {@code bdrv_child_perm}: the driver's answer when it has one, else {@code bdrv_default_perms}. */
    private static int[] childPermissions(BlockDriverState bs, BdrvChild edge, int taken, int shared) {
        int[] defaults = defaults(bs, edge.roles(), taken, shared);
        BlockDriver d = bs.driver();
        if (d instanceof ChildPermissions own) {
            PermissionPair pair = own.childPermissions(bs, edge, Permission.of(taken), Permission.of(shared),
                    PermissionPair.of(defaults[0], defaults[1]));
            return new int[] {Permission.mask(pair.taken()), Permission.mask(pair.shared())};
        }
        return defaults;
    }

    /** {@code bdrv_default_perms}, by the child's roles. */
    static int[] defaults(BlockDriverState bs, Set<ChildRole> roles, int taken, int shared) {
        if (roles.contains(ChildRole.COW)) {
            return forCow(taken, shared);
        }
        if (roles.contains(ChildRole.METADATA) || roles.contains(ChildRole.DATA)) {
            return forStorage(bs, roles, taken, shared);
        }
        // FILTERED, and a child without a role: what the parent's users need passes through.
        return forFilter(taken, shared);
    }

    /** {@code bdrv_filter_default_perms}. */
    private static int[] forFilter(int taken, int shared) {
        return new int[] {taken & PASSTHROUGH, (shared & PASSTHROUGH) | UNCHANGED};
    }

    /** {@code bdrv_default_perms_for_cow}: a backing file is only read, and may change only if the parent copes. */
    private static int[] forCow(int taken, int shared) {
        int sharedOut = (shared & WRITE) != 0 ? WRITE | RESIZE : 0;
        return new int[] {taken & CONSISTENT_READ, sharedOut | CONSISTENT_READ | WRITE_UNCHANGED};
    }

    /** {@code bdrv_default_perms_for_storage}: a format's file holds metadata and data that others must not resize. */
    private static int[] forStorage(BlockDriverState bs, Set<ChildRole> roles, int taken, int shared) {
        int[] perm = forFilter(taken, shared);
        int t = perm[0];
        int s = perm[1];
        if (roles.contains(ChildRole.METADATA)) {
            if (!bs.isReadOnly()) {
                t |= WRITE | RESIZE;
            }
            t |= CONSISTENT_READ;
            s &= ~(WRITE | RESIZE);
        }
        if (roles.contains(ChildRole.DATA)) {
            s &= ~RESIZE;
            if ((t & WRITE_UNCHANGED) != 0) {
                t |= WRITE;
            }
            if ((t & WRITE) != 0) {
                t |= RESIZE;
            }
        }
        return new int[] {t, s};
    }

    /** {@code bdrv_topological_dfs}: every node below the roots once, each before all of its children. */
    private static List<BlockDriverState> topological(Collection<BlockDriverState> roots) {
        LinkedHashSet<BlockDriverState> childrenFirst = new LinkedHashSet<>();
        for (BlockDriverState root : roots) {
            visit(root, childrenFirst);
        }
        return new ArrayList<>(childrenFirst).reversed();
    }

    private static void visit(BlockDriverState bs, LinkedHashSet<BlockDriverState> done) {
        if (done.contains(bs)) {
            return;
        }
        for (BdrvChild edge : bs.edges().children()) {
            visit(edge.node(), done);
        }
        done.add(bs);
    }
}
