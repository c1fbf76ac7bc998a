package org.blocklayer.api.driver;

import java.util.Set;

import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.graph.PermissionPair;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_child_perm}): what the node takes on one of its children, given what the node's
 * own users take and share. A driver without it gets QEMU's {@code bdrv_default_perms} for the child's roles.
 */
@ConsumerType
public interface ChildPermissions {

    /**
     * The permissions {@code bs} takes on {@code child}. {@code defaults} is what {@code bdrv_default_perms} gives for
     * the child's roles: most drivers adjust it rather than start over (raw drops write and resize its parents do not
     * need).
     */
    PermissionPair childPermissions(DriverNode bs, BlockChild child, Set<Permission> parentTaken,
            Set<Permission> parentShared, PermissionPair defaults);
}
