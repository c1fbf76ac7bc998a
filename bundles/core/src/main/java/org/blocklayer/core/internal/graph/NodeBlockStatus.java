package org.blocklayer.core.internal.graph;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.driver.SupportsBacking;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * {@code bdrv_co_block_status} (block/io.c): what a range of a node holds, asked of its driver's
 * {@link BlockStatus}, following a RAW answer down to the child that knows (B51).
 */
final class NodeBlockStatus {
    private NodeBlockStatus() {
    }

    /**
     * Past the end, EOF with no bytes; a driver without the capability has data everywhere (a protocol's at the
     * same offset of itself); a RAW answer asks the child it names; data or zero means allocated here.
     */
    @CoroutineFn
    @GraphRdlock
    static Status coBlockStatus(BlockDriverState bs, boolean wantZero, long offset, long bytes)
            throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_block_status");
        BlockDriver d = bs.driverOrNoMedium();
        long total = NodeLength.coGetLength(bs);
        if (offset < 0 || bytes < 0) {
            throw bs.error(Errno.EINVAL, "Invalid block status request: " + bytes + " bytes at offset " + offset);
        }
        if (offset >= total) {
            return new Status(Status.EOF, 0, 0, null);
        }
        long n = Math.min(bytes, total - offset);
        if (n == 0) {
            return new Status(0, 0, 0, null);
        }
        if (!(d instanceof BlockStatus status)) {
            boolean protocol = d.protocolName() != null;
            int flags = Status.DATA | Status.ALLOCATED | (protocol ? Status.OFFSET_VALID : 0);
            return new Status(flags, n, offset, protocol ? bs : null);
        }
        Status answer = status.coBlockStatus(bs, wantZero, offset, n);
        if (answer.bytes() <= 0 || answer.bytes() > n) {
            throw bs.error(Errno.EIO, "driver reported block status for " + answer.bytes() + " bytes of " + n);
        }
        if (answer.has(Status.RAW)) {
            return coBlockStatus(childHolding(bs, answer).node(), wantZero, answer.map(), answer.bytes());
        }
        int flags = answer.flags();
        if ((flags & (Status.DATA | Status.ZERO)) != 0) {
            flags |= Status.ALLOCATED;
        } else if (d instanceof SupportsBacking) {
            BdrvChild cow = bs.backing();
            if (cow == null || (wantZero && offset >= NodeLength.coGetLength(cow.node()))) {
                flags |= Status.ZERO;
            }
        }
        return new Status(flags, answer.bytes(), answer.map(), answer.file());
    }

    /**
     * {@code qemu-img map}'s walk ({@code get_block_status}): the status of {@code bs}, or, where it holds neither
     * data nor zeroes, of its backing file, and so on down the chain; {@code depth} counts the steps taken.
     */
    @CoroutineFn
    @GraphRdlock
    static Layered coBlockStatusInChain(BlockDriverState bs, long offset, long bytes) throws BlockException {
        int depth = 0;
        BlockDriverState node = bs;
        long n = bytes;
        while (true) {
            Status st = coBlockStatus(node, true, offset, n);
            if (st.bytes() == 0 || st.has(Status.DATA) || st.has(Status.ZERO) || node.backing() == null) {
                return new Layered(st, depth);
            }
            n = st.bytes();
            node = node.backing().node();
            depth++;
        }
    }

    /** A status and how many backing files down it was found. */
    record Layered(Status status, int depth) {
    }

    /** The child a RAW answer sends core on to: only a child of the node can be asked. */
    private static BdrvChild childHolding(BlockDriverState bs, Status answer) throws BlockException {
        if (answer.file() == null) {
            throw bs.error(Errno.EIO, "driver reported RAW block status without a file");
        }
        for (BdrvChild edge : bs.edges().children()) {
            if (edge.node() == answer.file()) {
                return edge;
            }
        }
        throw bs.error(Errno.EIO, "driver reported RAW block status on node '" + answer.file().nodeName()
                + "', which is not its child");
    }
}
