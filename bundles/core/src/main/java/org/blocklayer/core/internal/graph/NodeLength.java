package org.blocklayer.core.internal.graph;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.core.internal.coroutine.CoWrappers;

/**
 * A node's length, the seed change (block.c and block/io.c): {@code bdrv_co_refresh_total_sectors},
 * {@code bdrv_co_nb_sectors} and {@code bdrv_co_getlength}, which need the graph read lock, and their
 * {@code co_wrapper_mixed_bdrv_rdlock} wrappers. The driver is asked through its {@link GetLength} capability.
 */
final class NodeLength {
    private NodeLength() {
    }

    /**
     * {@code bdrv_co_refresh_total_sectors}: sets {@code total_sectors} from the driver's length, or to
     * {@code hint} when the driver has no getlength (B3); never asks an sg device (B2); on failure leaves
     * {@code total_sectors} as it was (B1, B4).
     */
    @CoroutineFn
    @GraphRdlock
    static void coRefreshTotalSectors(BlockDriverState bs, long hint) throws BlockException {
        coRefreshTotalSectors(bs, bs.driverOrNoMedium(), hint);
    }

    /** The same with the driver given: a node's open, and a driver's reopen (X2), refresh with the driver they open. */
    @CoroutineFn
    @GraphRdlock
    static void coRefreshTotalSectors(BlockDriverState bs, BlockDriver d, long hint) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_refresh_total_sectors");
        // Do not attempt the driver's getlength on scsi-generic devices.
        if (bs.isSg()) {
            return;
        }
        long sectors = hint;
        if (d instanceof GetLength getLength) {
            long length = getLength.coGetLength(bs);
            if (length < 0) {
                Errno errno = Errno.of((int) Math.max(length, Integer.MIN_VALUE + 1));
                throw bs.error(errno, "Could not get the length: " + errno.description());
            }
            sectors = divRoundUp(length, BlockNode.SECTOR_SIZE);
        }
        bs.setTotalSectors(sectors);
    }

    /**
     * {@code bdrv_co_nb_sectors}: a variable-length driver is asked again, with the current value as hint (B9);
     * otherwise the cached value is returned without asking it (B10).
     */
    @CoroutineFn
    @GraphRdlock
    static long coNbSectors(BlockDriverState bs) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_nb_sectors");
        BlockDriver d = bs.driverOrNoMedium();
        if (d.hasVariableLength()) {
            coRefreshTotalSectors(bs, d, bs.totalSectors());
        }
        return bs.totalSectors();
    }

    /** {@code bdrv_co_getlength}: bytes, always a multiple of 512 (B6); EFBIG when that would overflow (B7). */
    @CoroutineFn
    @GraphRdlock
    static long coGetLength(BlockDriverState bs) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_getlength");
        long sectors = coNbSectors(bs);
        if (sectors > Long.MAX_VALUE / BlockNode.SECTOR_SIZE) {
            throw bs.error(Errno.EFBIG, "Length of " + sectors + " sectors does not fit in 64 bits");
        }
        return sectors * BlockNode.SECTOR_SIZE;
    }

    /** {@code bdrv_refresh_total_sectors}. */
    static void refreshTotalSectors(BlockDriverState bs, long hint) throws BlockException {
        CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> {
            coRefreshTotalSectors(bs, hint);
            return null;
        });
    }

    /** {@code bdrv_refresh_total_sectors} with the driver given, as {@code bdrv_open_driver} calls it. */
    static void refreshTotalSectors(BlockDriverState bs, BlockDriver d, long hint) throws BlockException {
        CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> {
            coRefreshTotalSectors(bs, d, hint);
            return null;
        });
    }

    /** {@code bdrv_nb_sectors}. */
    static long nbSectors(BlockDriverState bs) throws BlockException {
        return CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> coNbSectors(bs));
    }

    /** {@code bdrv_getlength}. */
    static long getLength(BlockDriverState bs) throws BlockException {
        return CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> coGetLength(bs));
    }

    /**
     * {@code bdrv_refresh_total_sectors} with the current value as hint over a subtree, children first, so a format
     * node sees what its protocol node just learned from the device. The caller holds the node's context lock.
     */
    @GlobalStateCode
    static void refreshSubtree(BlockDriverState bs) throws BlockException {
        for (BdrvChild edge : bs.edges().children()) {
            refreshSubtree(edge.node());
        }
        refreshTotalSectors(bs, bs.totalSectors());
    }

    /**
     * The driver's own length, bypassing the cache and the sg rule (B2): what {@code block:sg-capacity} shows.
     * ENOTSUP for a driver without {@link GetLength}.
     */
    @CoroutineFn
    @GraphRdlock
    static long coDriverLength(BlockDriverState bs) throws BlockException {
        BlockDriver d = bs.driverOrNoMedium();
        if (!(d instanceof GetLength getLength)) {
            throw bs.error(Errno.ENOTSUP, "the driver has no length of its own");
        }
        return getLength.coGetLength(bs);
    }

    static long divRoundUp(long n, long d) {
        return n / d + (n % d == 0 ? 0 : 1);
    }
}
