package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockLimits.Limits;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.core.internal.coroutine.CoRwLock;

/**
 * What io.c does between a request and the driver when the node has limits (B48): a request not aligned to the
 * node's request alignment is padded to whole blocks ({@code bdrv_pad_request}), a write by reading the head and
 * tail blocks first; a request longer than the max transfer goes in pieces ({@code bdrv_aligned_preadv},
 * {@code bdrv_aligned_pwritev}). Padded writes are serialised against every other write of the node, as QEMU marks
 * them SERIALISING, so that no write lands between the read and the write of a read-modify-write. One per node,
 * holding the node's limits ({@code bs->bl}).
 */
final class RequestPadding {
    private final BlockDriverState bs;
    /** Padded writes hold it for writing, other writes for reading, on nodes with an alignment above 1. */
    private final CoRwLock serialisingWrites = new CoRwLock();
    /** {@code bs->bl}: what the driver and its data children allow; set after each driver open. */
    private volatile Limits limits = Limits.NONE;

    RequestPadding(BlockDriverState bs) {
        this.bs = bs;
    }

    Limits limits() {
        return limits;
    }

    /** {@code bdrv_refresh_limits}' result ({@link NodeLimits}). */
    void setLimits(Limits limits) {
        this.limits = limits;
    }

    @CoroutineFn
    @GraphRdlock
    void read(BlockDriver d, long offset, ByteBuffer buf, int flags) throws BlockException {
        int align = limits.requestAlignment();
        int length = buf.remaining();
        if (offset % align == 0 && length % align == 0) {
            pieces(d, false, offset, buf, flags);
            return;
        }
        long start = offset - Math.floorMod(offset, align);
        ByteBuffer bounce = ByteBuffer.allocate(Math.toIntExact(alignUp(offset + length, align) - start));
        pieces(d, false, start, bounce, flags);
        buf.put(bounce.clear().position((int) (offset - start)).limit((int) (offset - start) + length));
    }

    @CoroutineFn
    @GraphRdlock
    void write(BlockDriver d, long offset, ByteBuffer buf, int flags) throws BlockException {
        int align = limits.requestAlignment();
        if (align == 1) {
            // Nothing is ever read-modify-written here: no write needs to wait for one.
            pieces(d, true, offset, buf, flags);
            return;
        }
        CoRwLock serialising = serialisingWrites;
        int length = buf.remaining();
        boolean aligned = offset % align == 0 && length % align == 0;
        if (aligned) {
            serialising.rdlock();
        } else {
            serialising.wrlock();
        }
        try {
            if (aligned) {
                pieces(d, true, offset, buf, flags);
                return;
            }
            long start = offset - Math.floorMod(offset, align);
            long end = alignUp(offset + length, align);
            ByteBuffer bounce = ByteBuffer.allocate(Math.toIntExact(end - start));
            if (offset != start) {
                pieces(d, false, start, bounce.slice(0, align), 0);
            }
            if ((offset + length) % align != 0 && (end - align > start || offset == start)) {
                pieces(d, false, end - align, bounce.slice((int) (end - align - start), align), 0);
            }
            bounce.put((int) (offset - start), buf, buf.position(), length);
            buf.position(buf.limit());
            pieces(d, true, start, bounce.clear(), flags);
        } finally {
            serialising.unlock();
        }
    }

    /** {@code bdrv_aligned_preadv}/{@code pwritev}: at most max transfer bytes per driver call. */
    @CoroutineFn
    @GraphRdlock
    private void pieces(BlockDriver d, boolean write, long offset, ByteBuffer buf, int flags)
            throws BlockException {
        long max = limits.maxTransfer();
        int total = buf.remaining();
        if (max == 0 || total <= max) {
            call(d, write, offset, buf, flags);
            return;
        }
        int base = buf.position();
        for (int done = 0; done < total; ) {
            int n = (int) Math.min(max, total - done);
            call(d, write, offset + done, buf.slice(base + done, n), flags);
            done += n;
        }
        buf.position(base + total);
    }

    @CoroutineFn
    @GraphRdlock
    private void call(BlockDriver d, boolean write, long offset, ByteBuffer buf, int flags) throws BlockException {
        if (write) {
            d.coPwritev(bs, offset, buf, flags);
        } else {
            d.coPreadv(bs, offset, buf, flags);
        }
    }

    private static long alignUp(long value, int align) {
        long rest = Math.floorMod(value, align);
        return rest == 0 ? value : value + align - rest;
    }
}
