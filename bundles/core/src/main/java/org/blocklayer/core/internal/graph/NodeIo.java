package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.CoWrappers;

/**
 * A node's request path (block/io.c): {@code bdrv_co_preadv}, {@code bdrv_co_pwritev}, {@code bdrv_co_flush} and
 * {@code bdrv_co_truncate}, each counted in flight on the node and checked against its length before the driver
 * sees it, with the padding and splitting of {@link RequestPadding}; and their {@code co_wrapper_mixed} wrappers.
 * Users reach these through a BlockBackend, drivers through their children's edges ({@link BdrvChild}).
 */
final class NodeIo {
    private NodeIo() {
    }

    @CoroutineFn
    @GraphRdlock
    static void coPreadv(BlockDriverState bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_preadv");
        bs.drainState().incInFlight();
        try {
            BlockDriver d = checkRange(bs, offset, buf.remaining(), "read");
            bs.padding().read(d, offset, buf, flags);
        } finally {
            bs.drainState().decInFlight();
        }
    }

    @CoroutineFn
    @GraphRdlock
    static void coPwritev(BlockDriverState bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        coPwritev(bs, offset, buf, flags, false);
    }

    /**
     * {@code bdrv_co_pwritev}. With {@code mayGrow} (the edge holds RESIZE), as in QEMU, the parent (a format growing
     * its file) may write past the node's end, which then ends where the write ended
     * ({@code bdrv_co_write_req_finish}).
     */
    @CoroutineFn
    @GraphRdlock
    static void coPwritev(BlockDriverState bs, long offset, ByteBuffer buf, int flags, boolean mayGrow)
            throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_pwritev");
        bs.drainState().incInFlight();
        try {
            long end = offset + buf.remaining();
            BlockDriver d = mayGrow ? checkRequest(bs, offset, buf.remaining(), "write")
                    : checkRange(bs, offset, buf.remaining(), "write");
            requireWritable(bs, Errno.EPERM, "Block node is read-only");
            bs.padding().write(d, offset, buf, flags);
            long endSectors = (end + BlockNode.SECTOR_SIZE - 1) / BlockNode.SECTOR_SIZE;
            if (mayGrow && endSectors > bs.totalSectors()) {
                bs.setTotalSectors(endSectors);
            }
        } finally {
            bs.drainState().decInFlight();
        }
    }

    /** {@code bdrv_co_flush}: nothing to do with {@code cache.no-flush=on}. */
    @CoroutineFn
    @GraphRdlock
    static void coFlush(BlockDriverState bs) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_flush");
        bs.drainState().incInFlight();
        try {
            BlockDriver d = bs.driverOrNoMedium();
            if ((bs.openFlags() & OpenFlags.NO_FLUSH) != 0) {
                return;
            }
            d.coFlush(bs);
        } finally {
            bs.drainState().decInFlight();
        }
    }

    /**
     * {@code bdrv_co_truncate}: checks as QEMU (no medium, negative size, read-only), lets the driver's
     * {@link Truncate} resize (ENOTSUP without it), then refreshes with hint {@code offset >> 9} (B14). Returns the
     * new length.
     */
    @CoroutineFn
    @GraphRdlock
    static long coTruncate(BlockDriverState bs, long offset) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_truncate");
        bs.drainState().incInFlight();
        try {
            BlockDriver d = bs.driverOrNoMedium();
            if (offset < 0) {
                throw bs.error(Errno.EINVAL, "Image size cannot be negative");
            }
            requireWritable(bs, Errno.EACCES, "Image is read-only");
            if (!(d instanceof Truncate resize)) {
                throw bs.error(Errno.ENOTSUP, "Image format driver '" + d.formatName() + "' does not support resize");
            }
            resize.coTruncate(bs, offset);
            try {
                NodeLength.coRefreshTotalSectors(bs, offset >> 9);
            } catch (BlockException e) {
                throw bs.named(e.prepend("Could not refresh total sector count: "));
            }
            return bs.totalSectors() * BlockNode.SECTOR_SIZE;
        } finally {
            bs.drainState().decInFlight();
        }
    }

    /** {@code bdrv_truncate}. */
    static long truncate(BlockDriverState bs, long offset) throws BlockException {
        return CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> awaitMedium(bs),
                () -> coTruncate(bs, offset));
    }

    /** {@code bdrv_pread}. */
    static void pread(BlockDriverState bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> awaitMedium(bs), () -> {
            coPreadv(bs, offset, buf, flags);
            return null;
        });
    }

    /** {@code bdrv_pwrite}. */
    static void pwrite(BlockDriverState bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> awaitMedium(bs), () -> {
            coPwritev(bs, offset, buf, flags);
            return null;
        });
    }

    /** {@code bdrv_flush}. */
    static void flush(BlockDriverState bs) throws BlockException {
        CoWrappers.mixedRdlock(bs.wrapperContext(), bs.graphLock(), () -> awaitMedium(bs), () -> {
            coFlush(bs);
            return null;
        });
    }

    /**
     * The gate of the wrappers: from outside a coroutine, a request first waits, without any lock, while a driver of
     * this subgraph is away (X2), then takes the read lock.
     */
    @CoroutineFn
    private static Void awaitMedium(BlockDriverState bs) {
        MediumWait.await(bs, bs.graph().detachTimeoutNanos());
        return null;
    }

    /**
     * {@code bdrv_check_request} plus the end-of-device check a BlockBackend does ({@code blk_check_byte_request}):
     * {@code bytes} from {@code offset} lie within the node, which has a driver. EIO otherwise, as QEMU answers.
     */
    @CoroutineFn
    @GraphRdlock
    static BlockDriver checkRange(BlockDriverState bs, long offset, long bytes, String what) throws BlockException {
        BlockDriver d = checkRequest(bs, offset, bytes, what);
        long length = NodeLength.coGetLength(bs);
        if (offset > length || length - offset < bytes) {
            throw bs.error(Errno.EIO, "Cannot " + what + " " + bytes + " bytes at offset " + offset
                    + ": the node ends at " + length);
        }
        return d;
    }

    /** {@code bdrv_check_request}'s part without the node's end: a driver, and no negative offset or length. */
    private static BlockDriver checkRequest(BlockDriverState bs, long offset, long bytes, String what)
            throws BlockException {
        BlockDriver d = bs.driverOrNoMedium();
        if (offset < 0 || bytes < 0) {
            throw bs.error(Errno.EIO, "Cannot " + what + " " + bytes + " bytes at offset " + offset + ": negative");
        }
        return d;
    }

    /** The read-only refusal of write-like requests, with QEMU's errno and message for each. */
    static void requireWritable(BlockDriverState bs, Errno errno, String message) throws BlockException {
        if (bs.isReadOnly()) {
            throw bs.error(errno, message);
        }
    }
}
