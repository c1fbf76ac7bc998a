package org.blocklayer.posix;

import java.util.Set;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.Permission;

/**
 * The image locks of one protocol node ({@code file}, {@code host_device}), as file-posix's {@code s->use_lock}
 * decides them from the {@code locking} option: a descriptor of its own on the image, opened for as long as the
 * node, on which {@link ImageLocks} takes QEMU's lock bytes when the graph's permissions change. The drivers'
 * {@code PermissionHandler} calls land here.
 */
public final class NodeLocks implements AutoCloseable {
    private final Fd fd;
    private final ImageLocks locks;

    private NodeLocks(Fd fd, ImageLocks locks) {
        this.fd = fd;
        this.locks = locks;
    }

    /**
     * Takes {@code locking} out of {@code options} ({@code auto}, the default, {@code on}, {@code off}, as
     * {@code raw_open_common} reads it) and opens the lock descriptor unless locking is off (or auto without OFD
     * locks, where QEMU takes none either); null when no locks are taken.
     */
    public static NodeLocks open(String filename, BlockOptions options) throws BlockException {
        String locking = options.takeString("locking");
        boolean use = switch (locking == null ? "auto" : locking) {
            case "auto" -> ImageLocks.ofdLocksAvailable();
            case "on" -> true;
            case "off" -> false;
            default -> throw new BlockException(Errno.EINVAL, "Invalid parameter value for 'locking': '" + locking
                    + "' (expected auto, on or off)");
        };
        if (!use) {
            return null;
        }
        try {
            Fd fd = Posix.open(filename, Posix.O_RDONLY);
            return new NodeLocks(fd, new ImageLocks(fd, filename));
        } catch (PosixException e) {
            throw e.toBlockException("Could not open '" + filename + "' for its image locks");
        }
    }

    /**
     * {@code raw_check_perm}: takes what the new permissions need and checks that no other process stands in the
     * way; EAGAIN with QEMU's message and hint otherwise ({@code Failed to get "write" lock. Is another process
     * using the image [FILE]?}), naming the node.
     */
    public void check(BlockNode bs, Set<Permission> taken, Set<Permission> shared) throws BlockException {
        try {
            locks.prepare(Permission.mask(taken), Permission.mask(shared));
        } catch (ImageLockException e) {
            String hint = e.hint() == null ? "" : ". " + e.hint();
            throw new BlockException(e.errno(), bs.nodeName(), bs.driverName(), e.detail() + hint, e);
        }
    }

    /** {@code raw_set_perm}: the bytes no longer needed are given back. */
    public void set(Set<Permission> taken, Set<Permission> shared) {
        locks.commit(Permission.mask(taken), Permission.mask(shared));
    }

    /** {@code raw_abort_perm_update}. */
    public void abort() {
        locks.abort();
    }

    /** The bytes this node holds now, as QEMU names the permissions: for tests and {@code block:info}. */
    public int lockedPerm() {
        return locks.lockedPerm();
    }

    /** Closing the descriptor drops every lock it holds. */
    @Override
    public void close() {
        fd.close();
    }
}
