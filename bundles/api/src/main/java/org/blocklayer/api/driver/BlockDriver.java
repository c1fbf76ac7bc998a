package org.blocklayer.api.driver;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A block driver ({@code BlockDriver}), registered by its bundle as an OSGi service; core tracks them as a
 * whiteboard. Its callbacks get the node's driver-facing view ({@link DriverNode}); per-node state goes in
 * {@link DriverNode#setOpaque}. Coroutine callbacks run in the node's context with the graph read lock held; they
 * never block that thread (blocking calls go through {@code bs.aioContext().threadPool().run(...)}).
 *
 * <p>What QEMU leaves as NULL function pointers are capability interfaces the driver object implements or not, found
 * by core with {@code instanceof}: {@link GetLength}, {@link Truncate}, {@link WriteZeroes}, {@link Discard},
 * {@link BlockStatus}, {@link BlockLimits}, {@link ChildPermissions}, {@link PermissionHandler}.
 */
@ConsumerType
public interface BlockDriver {

    /** Service property naming the driver; equal to {@link #formatName()}. */
    String FORMAT_PROPERTY = "block.driver";

    /** {@code format_name}: the name {@code driver=} selects. */
    String formatName();

    /** {@code protocol_name}: the filename prefix ({@code nbd}, {@code file}), or null for a format driver. */
    default String protocolName() {
        return null;
    }

    /** {@code has_variable_length}: the length is asked again ({@link GetLength}) on every query. */
    default boolean hasVariableLength() {
        return false;
    }

    /** {@code is_filter}. */
    default boolean isFilter() {
        return false;
    }

    /**
     * {@code filtered_child_is_backing}: for a filter, its filtered (PRIMARY) child is the node's backing child, not
     * its file, as for QEMU's commit and mirror top filters (B21).
     *
     * @since 2.0
     */
    default boolean filteredChildIsBacking() {
        return false;
    }

    /**
     * {@code bdrv_probe_device}: how sure this protocol driver is that a plain filename (no "proto:" prefix) is
     * its kind of device, 0 (not at all) to 100; the highest score wins, and the {@code file} driver takes the rest.
     * QEMU's host_device answers 100 for a block device.
     */
    default int probeDevice(String filename) {
        return 0;
    }

    /**
     * {@code bdrv_parse_filename}: turns a filename into options for a protocol driver ({@code filename=...}).
     * The default keeps the filename as it is, without a {@code protocol:} prefix.
     */
    default void parseFilename(String filename, BlockOptions options) throws BlockException {
        String prefix = protocolName() == null ? null : protocolName() + ":";
        options.put("filename", prefix != null && filename.startsWith(prefix)
                ? filename.substring(prefix.length()) : filename);
    }

    /**
     * {@code bdrv_open}/{@code bdrv_file_open}: opens the node, taking the options it understands out of
     * {@code options}. Options left over are reported by core as unsupported. Runs in the main loop, outside a
     * coroutine, with the node's AioContext lock held.
     */
    @GlobalStateCode
    void open(DriverNode bs, BlockOptions options, int flags) throws BlockException;

    /** {@code bdrv_close}: releases the per-node state. Must not fail. */
    @GlobalStateCode
    default void close(DriverNode bs) {
    }

    /** {@code bdrv_drain_begin}: the node is now quiesced (called on the 0 → 1 transition only). */
    @GlobalStateCode
    default void drainBegin(DriverNode bs) {
    }

    /** {@code bdrv_drain_end}: the node runs again (called on the 1 → 0 transition only). */
    @GlobalStateCode
    default void drainEnd(DriverNode bs) {
    }

    /** {@code bdrv_co_preadv}: fills {@code buf} (all its remaining bytes) from {@code offset}. */
    @CoroutineFn
    @GraphRdlock
    default void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        throw new BlockException(Errno.ENOTSUP, "Driver '" + formatName() + "' cannot read");
    }

    /** {@code bdrv_co_pwritev}: writes all remaining bytes of {@code buf} at {@code offset}. */
    @CoroutineFn
    @GraphRdlock
    default void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        throw new BlockException(Errno.ENOTSUP, "Driver '" + formatName() + "' cannot write");
    }

    /** {@code bdrv_co_flush_to_disk}; the default has nothing to flush. */
    @CoroutineFn
    @GraphRdlock
    default void coFlush(DriverNode bs) throws BlockException {
    }
}
