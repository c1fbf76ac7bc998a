package org.blocklayer.api.backend;

import java.util.List;
import java.util.Set;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.Permission;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The BlockBackend service: makes backends on nodes of the graph and lists them. Callable from any thread; each
 * call runs in the main loop.
 */
@ProviderType
public interface BlockBackends {

    /**
     * {@code blk_new} + {@code blk_insert_bs}: a backend on node {@code nodeName} taking {@code taken} and sharing
     * {@code shared}. {@code name} "" makes it anonymous; a name must be free among backends and nodes (EINVAL
     * otherwise, as QEMU refuses a device id that is a node name). Fails with nothing attached when another user of
     * the node does not share what this one takes or takes what it does not share (EPERM, QEMU's "Permission conflict
     * on node ..." message), when it would write to a read-only node (EPERM, "Block node is read-only"), or when an
     * image lock is held by another process (EAGAIN).
     */
    BlockBackend attach(String nodeName, String name, Set<Permission> taken, Set<Permission> shared)
            throws BlockException;

    /**
     * {@link #attach} of an anonymous backend on behalf of a user outside the graph, such as an export
     * ({@code blk_new} + {@code blk_insert_bs} + {@code blk_attach_dev}): permission conflicts and a refused close of
     * its node name it as {@code user} ("NBD export 'disk0'") where an unnamed backend says "an unnamed block device".
     */
    BlockBackend attachAs(String user, String nodeName, Set<Permission> taken, Set<Permission> shared)
            throws BlockException;

    /** The backend of that name; ENOENT when there is none. */
    BlockBackend backend(String name) throws BlockException;

    /** Every backend, in creation order. */
    List<BackendInfo> backends();

    /** Every user of node {@code nodeName}: its parents' edges, then its backends; ENOENT for no such node. */
    List<NodeUser> users(String nodeName) throws BlockException;
}
