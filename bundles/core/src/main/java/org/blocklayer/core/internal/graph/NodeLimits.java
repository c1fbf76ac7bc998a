package org.blocklayer.core.internal.graph;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockLimits;
import org.blocklayer.api.driver.BlockLimits.Limits;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.ChildRole;

/**
 * {@code bdrv_refresh_limits}: a node's limits start from alignment 1 and what its data, filtered and COW children
 * allow ({@code bdrv_merge_limits}: the smallest max transfer, the largest optimal transfer and discard alignment),
 * then the driver's {@link BlockLimits} has the last word.
 */
final class NodeLimits {
    /** {@code BDRV_MAX_ALIGNMENT}. */
    static final long MAX_ALIGNMENT = 1L << 30;

    private NodeLimits() {
    }

    @GlobalStateCode
    static Limits refresh(BlockDriverState bs, BlockDriver d) throws BlockException {
        Limits merged = Limits.NONE;
        for (BdrvChild edge : bs.edges().children()) {
            if (edge.roles().contains(ChildRole.DATA) || edge.roles().contains(ChildRole.FILTERED)
                    || edge.roles().contains(ChildRole.COW)) {
                merged = merge(merged, edge.node().padding().limits());
            }
        }
        Limits limits = d instanceof BlockLimits own ? own.refreshLimits(bs, merged) : merged;
        if (limits.requestAlignment() > MAX_ALIGNMENT) {
            throw new BlockException(Errno.EINVAL, "Driver requires too large request alignment");
        }
        return limits;
    }

    private static Limits merge(Limits dst, Limits src) {
        return new Limits(dst.requestAlignment(), minNonZero(dst.maxTransfer(), src.maxTransfer()),
                Math.max(dst.optTransfer(), src.optTransfer()),
                Math.max(dst.pdiscardAlignment(), src.pdiscardAlignment()), dst.maxPdiscard(),
                dst.pwriteZeroesAlignment(), dst.maxPwriteZeroes());
    }

    private static long minNonZero(long a, long b) {
        return a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }
}
