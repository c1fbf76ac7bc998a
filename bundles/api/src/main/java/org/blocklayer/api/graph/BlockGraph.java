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

    /** The name of the main loop's AioContext, where {@link #setAioContext} and {@code open} take an iothread. */
    String MAIN_CONTEXT = "main";

    /**
     * Opens a node ({@code bdrv_open}). {@code filename} may be null when {@code options} say everything
     * ({@code driver=raw,file.driver=file,file.filename=/x}); a plain path opens raw over file; {@code nbd://}
     * and {@code file:} prefixes pick the protocol driver. Option {@code node-name} names the node; without the key
     * a {@code #blockN} name is generated, while an empty value is refused (EINVAL, {@code Invalid node-name: ''}), as
     * in QEMU. Option {@code pin-context=on} (blocklayer's own) pins the node to the AioContext it is opened in: a
     * move that would take it elsewhere is refused. Children nest at most 64 levels deep ({@code file.file....}).
     * On failure, whatever the cause, nothing the open created is left in the graph and the error is a
     * BlockException.
     *
     * @return the new node
     */
    BlockNode open(String filename, BlockOptions options, int flags) throws BlockException;

    /**
     * {@link #open(String, BlockOptions, int)} in an iothread's AioContext ({@link #MAIN_CONTEXT} for the main loop):
     * the node, and the children its open creates, live there from the start; the result is the same as opening
     * and then {@link #setAioContext moving} the node there. (Without this, a node starts in the main loop but joins
     * the context of an existing node it references as a child, as in QEMU.) ENOENT when there is no such iothread;
     * EBUSY when a pinned node stands in the way. On failure nothing is left in the graph.
     */
    BlockNode open(String filename, BlockOptions options, int flags, String iothreadOrMain) throws BlockException;

    /** The node of that name ({@code bdrv_find_node}), or ENOENT naming it. */
    BlockNode node(String name) throws BlockException;

    /** Every node, in creation order (a snapshot). */
    List<NodeInfo> nodes();

    /** A snapshot of one node; ENOENT when there is no such node. */
    NodeInfo info(String name) throws BlockException;

    /** {@code bdrv_getlength} on a node looked up by name, with its AioContext lock held. */
    long getLength(String name) throws BlockException;

    /**
     * {@code bdrv_refresh_total_sectors} with the current value as hint, on the node's children first and then on the
     * node: asks each driver for its length again (even where it is cached, as host_device's is) and returns the
     * node's new length. sg nodes keep theirs (B2).
     */
    long refresh(String name) throws BlockException;

    /**
     * Asks the node's driver for its length directly, bypassing the cache and the rule that sg nodes are never asked
     * (B2): what {@code block:sg-capacity} shows (READ CAPACITY for scsi-generic). ENOTSUP when the driver has no
     * length of its own.
     */
    long driverLength(String name) throws BlockException;

    /**
     * {@code block_resize}: drains the node, truncates it to {@code size} bytes and returns its new length. Growing
     * or shrinking is the driver's business (ENOTSUP where it cannot).
     */
    long resize(String name, long size) throws BlockException;

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

    /**
     * How long I/O on a node whose driver went away waits for a driver of that name to come back before failing
     * with ENOMEDIUM (X2); 30 s unless set.
     */
    java.time.Duration detachTimeout();

    /** Sets {@link #detachTimeout()}; zero makes such I/O fail at once. EINVAL when negative. */
    void setDetachTimeout(java.time.Duration timeout) throws BlockException;

    /** The registered drivers. */
    List<DriverInfo> drivers();

    /** The ids of the iothreads, in creation order ({@code query-iothreads}). */
    List<String> iothreads();

    /**
     * Starts an iothread with an AioContext of its own ({@code -object iothread,id=ID}). EINVAL when {@code id} is
     * not well formed (a letter, then letters, digits, '-', '.', '_'), is taken, or is {@link #MAIN_CONTEXT}.
     */
    void addIothread(String id) throws BlockException;

    /**
     * Stops an iothread ({@code object-del}). ENOENT when there is none of that id; EBUSY, naming them, while
     * nodes still live in its context.
     */
    void deleteIothread(String id) throws BlockException;

    /**
     * Moves a node into an iothread's AioContext, or back to the main loop with {@link #MAIN_CONTEXT}
     * ({@code x-blockdev-set-iothread}, {@code bdrv_try_change_aio_context}). Nodes joined by edges share one
     * context, so the node's children and parents move with it, recursively, inside a drained section and under the
     * graph write lock. EBUSY with nothing changed when any of them is pinned to its context (open option
     * {@code pin-context=on}); ENOENT for an unknown node or iothread.
     */
    void setAioContext(String node, String iothreadOrMain) throws BlockException;

    /**
     * {@code bdrv_img_create} ({@code qemu-img create -f FORMAT FILENAME SIZE -o OPTIONS}): creates {@code filename}
     * as a new image of {@code format}, {@code size} bytes, through the format driver and the protocol driver the
     * filename selects; an existing file is truncated, as QEMU does. {@code options} are creation options that one of
     * the two drivers declares ({@link #createOptions}); {@code size} is not one of them here. Nothing is opened.
     * Returns the options the image was created with, as {@code qemu-img} prints them after {@code Formatting}:
     * {@code size} and every option given, in the order the drivers declare them, numbers as numbers. EINVAL for an
     * unknown format, option or value, ENOTSUP when a driver cannot create images; a driver's failure keeps its errno
     * and names the driver.
     */
    BlockOptions create(String format, String filename, long size, BlockOptions options) throws BlockException;

    /**
     * The options {@link #create} accepts for {@code format} over the protocol of {@code filename}: the format
     * driver's, then the protocol driver's that the format does not declare too ({@code qemu-img create -o help}).
     * Without a filename, the format driver's only.
     */
    List<CreateOption> createOptions(String format, String filename) throws BlockException;
}
