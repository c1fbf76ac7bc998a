package org.blocklayer.api.driver;

import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node as its own driver sees it ({@code BlockDriverState} in {@code block_int-common.h}): what the driver's open
 * sets up (length hint, sg, per-node state, children) and the children as edges it does its I/O through. Only the
 * node's driver receives this view, in its {@link BlockDriver} callbacks and capabilities.
 */
@ProviderType
public interface DriverNode extends BlockNode {

    /** For a driver's open: the length hint that the refresh after open starts from. */
    void setTotalSectors(long sectors);

    /** For a driver's open. */
    void setSg(boolean sg);

    /** The driver's per-node state ({@code bs->opaque}), or null. */
    <T> T opaque(Class<T> type);

    /** For a driver's open; core clears it when the driver closes the node. */
    void setOpaque(Object state);

    @Override
    DriverChild file();

    @Override
    DriverChild backing();

    @Override
    List<DriverChild> children();

    /**
     * Opens or references the child {@code childName} for a driver's open ({@code bdrv_open_child}): a string
     * option {@code childName} names an existing node; otherwise the {@code childName.*} options open a new one.
     * The options used are removed from {@code options}.
     *
     * @return the new edge, or null when {@code allowNone} and no child was given
     */
    @GlobalStateCode
    DriverChild openChild(BlockOptions options, String childName, Set<ChildRole> roles, boolean allowNone)
            throws BlockException;

    /**
     * {@code bdrv_co_refresh_total_sectors}: asks the driver's {@link GetLength} for the length, or keeps
     * {@code hint} when it has none.
     */
    @CoroutineFn
    @GraphRdlock
    void coRefreshTotalSectors(long hint) throws BlockException;

    /** {@code bdrv_refresh_total_sectors}: the mixed wrapper of {@link #coRefreshTotalSectors}. */
    void refreshTotalSectors(long hint) throws BlockException;

    /** A driver's own coroutine code, run by {@link #call}. */
    @FunctionalInterface
    interface CoBody<T> {
        @CoroutineFn
        @GraphRdlock
        T run() throws BlockException;
    }

    /**
     * {@code co_wrapper_mixed_bdrv_rdlock} for a driver's own coroutine code: inside a coroutine, runs {@code body}
     * at once; outside, runs it as a coroutine in this node's context holding the graph read lock and waits for it.
     * How a format's {@code open} reads its metadata through its children, as {@code qcow2_open} runs
     * {@code qcow2_do_open} in a coroutine.
     *
     * @since 2.0
     */
    <T> T call(CoBody<T> body) throws BlockException;
}
