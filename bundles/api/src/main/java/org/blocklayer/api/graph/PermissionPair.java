package org.blocklayer.api.graph;

import java.util.Set;

/**
 * The permissions a user of a node takes and the ones it lets other users take ({@code perm} and
 * {@code shared_perm} of a {@code BdrvChild}).
 *
 * @param taken  what this user needs
 * @param shared what this user lets every other user of the node have
 */
public record PermissionPair(Set<Permission> taken, Set<Permission> shared) {
    public PermissionPair {
        taken = Set.copyOf(taken);
        shared = Set.copyOf(shared);
    }

    /** From {@code BLK_PERM_*} bit masks. */
    public static PermissionPair of(int taken, int shared) {
        return new PermissionPair(Permission.of(taken), Permission.of(shared));
    }
}
