package org.blocklayer.api.backend;

import java.util.Set;

import org.blocklayer.api.graph.Permission;

/**
 * One user of a node and what it holds there, as QEMU's permission errors name users.
 *
 * @param user   "node 'top'", "block device 'disk0'" or "an unnamed block device"
 * @param as     the child name it uses the node as: "file", or "root" for a backend
 * @param taken  the permissions it takes
 * @param shared the permissions it shares
 */
public record NodeUser(String user, String as, Set<Permission> taken, Set<Permission> shared) {
    public NodeUser {
        taken = Set.copyOf(taken);
        shared = Set.copyOf(shared);
    }
}
