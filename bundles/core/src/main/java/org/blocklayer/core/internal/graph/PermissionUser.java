package org.blocklayer.core.internal.graph;

/**
 * A user of a node in the permission system: a child edge or a BlockBackend (QEMU makes both a {@code BdrvChild}).
 * Masks are {@code BLK_PERM_*} bits.
 */
interface PermissionUser {
    /** {@code bdrv_child_user_desc}: "node 'top'", "block device 'disk0'", "an unnamed block device". */
    String userDescription();

    /** The name the user gives the node: the child's name ("file"), or "root" for a backend. */
    String childName();

    int takenMask();

    int sharedMask();
}
