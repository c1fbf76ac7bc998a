package org.blocklayer.api.graph;

import java.util.List;

import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The block graph service. Callable from any thread: each call runs in the main loop, as a QMP command does, and
 * its answer or its {@link BlockException} comes back to the caller unchanged.
 */
@ProviderType
public interface BlockGraph {

    /**
     * Opens a node ({@code bdrv_open}). {@code filename} may be null when {@code options} say everything
     * ({@code driver=raw,file.driver=file,file.filename=/x}); a plain path opens raw over file; {@code nbd://}
     * and {@code file:} prefixes pick the protocol driver. Option {@code node-name} names the node, else a
     * {@code #blockN} name is generated. On failure nothing is left in the graph.
     *
     * @return the new node
     */
    BlockNode open(String filename, BlockOptions options, int flags) throws BlockException;

    /** The node of that name ({@code bdrv_find_node}), or ENOENT naming it. */
    BlockNode node(String name) throws BlockException;

    /** Every node, in creation order (a snapshot). */
    List<NodeInfo> nodes();

    /** A snapshot of one node; ENOENT when there is no such node. */
    NodeInfo info(String name) throws BlockException;

    /** {@code bdrv_getlength} on a node looked up by name, with its AioContext lock held. */
    long getLength(String name) throws BlockException;

    /**
     * Closes a node the user opened: drops the user's reference ({@code bdrv_unref}); EBUSY while another node
     * still uses it as a child.
     */
    void close(String name) throws BlockException;

    /**
     * {@code bdrv_drained_begin} + {@code bdrv_drained_end} on a node: returns once every request in flight on the
     * node and its parents has finished.
     */
    void drain(String name) throws BlockException;

    /** {@code bdrv_drain_all}: returns once no request is in flight anywhere in the graph. */
    void drainAll() throws BlockException;

    /** The registered drivers. */
    List<DriverInfo> drivers();
}
