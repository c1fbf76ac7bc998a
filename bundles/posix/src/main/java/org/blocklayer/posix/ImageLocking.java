package org.blocklayer.posix;

import java.util.Set;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.PermissionHandler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.Permission;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The {@link PermissionHandler} of a POSIX protocol driver ({@code file}, {@code host_device}): the permission
 * phases go to the image locks its per-node state holds ({@link ProtocolFile#locks()}), QEMU's
 * {@code raw_check_perm}, {@code raw_set_perm} and {@code raw_abort_perm_update}. A node without locks
 * ({@code locking=off}) or not open has nothing to do.
 */
@ConsumerType
public interface ImageLocking extends PermissionHandler {

    /** The type of the driver's per-node state ({@code bs->opaque}). */
    Class<? extends ProtocolFile> stateType();

    /** {@code raw_check_perm}: the locks the new permissions need, or EAGAIN when another process has them. */
    @Override
    @GlobalStateCode
    default void checkPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        NodeLocks locks = locksOf(bs);
        if (locks != null) {
            locks.check(bs, taken, shared);
        }
    }

    /** {@code raw_set_perm}. */
    @Override
    @GlobalStateCode
    default void setPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared) {
        NodeLocks locks = locksOf(bs);
        if (locks != null) {
            locks.set(taken, shared);
        }
    }

    /** {@code raw_abort_perm_update}. */
    @Override
    @GlobalStateCode
    default void abortPermissionUpdate(DriverNode bs) {
        NodeLocks locks = locksOf(bs);
        if (locks != null) {
            locks.abort();
        }
    }

    private NodeLocks locksOf(DriverNode bs) {
        ProtocolFile state = bs.opaque(stateType());
        return state == null ? null : state.locks();
    }
}
