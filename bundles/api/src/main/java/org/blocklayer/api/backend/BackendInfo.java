package org.blocklayer.api.backend;

import java.util.Set;

import org.blocklayer.api.graph.Permission;

/**
 * One backend as {@code block:backends} shows it.
 *
 * @param name   its name, "" when anonymous
 * @param user   how permission errors name it: "block device 'NAME'" or "an unnamed block device"
 * @param node   its root node
 * @param taken  the permissions it takes
 * @param shared the permissions it shares
 */
public record BackendInfo(String name, String user, String node, Set<Permission> taken, Set<Permission> shared) {
    public BackendInfo {
        taken = Set.copyOf(taken);
        shared = Set.copyOf(shared);
    }
}
