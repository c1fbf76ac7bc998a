package org.blocklayer.api.driver;

import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.Permission;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_check_perm}, {@code bdrv_set_perm}, {@code bdrv_abort_perm_update}): hears the
 * permissions all users of its node take and share, in two phases, so that a change everywhere in the graph either
 * happens on every node or on none. The protocol drivers of image files take their image locks here.
 */
@ConsumerType
public interface PermissionHandler {

    /**
     * {@code bdrv_check_perm}: may the node go to these permissions? Prepares the change (takes new locks) and fails
     * with the reason (EAGAIN for a lock another process holds) without changing anything.
     */
    @GlobalStateCode
    void checkPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared) throws BlockException;

    /** {@code bdrv_set_perm}: the change checked last is final (drop what is no longer needed). */
    @GlobalStateCode
    void setPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared);

    /** {@code bdrv_abort_perm_update}: the change checked last does not happen; back to what was set before. */
    @GlobalStateCode
    void abortPermissionUpdate(DriverNode bs);
}
