package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.OpenFlags;

/**
 * The requests without a buffer (block/io.c): {@code bdrv_co_pwrite_zeroes}, which falls back to writing a zeroed
 * buffer for a driver without {@link WriteZeroes} (B49), and {@code bdrv_co_pdiscard}, which is advice a driver
 * without {@link Discard} may ignore (B50).
 */
final class ZeroesAndDiscard {
    /** Largest zeroed buffer the write-zeroes fallback writes at once ({@code MAX_WRITE_ZEROES_BOUNCE_BUFFER}). */
    static final int ZEROES_BOUNCE = 1 << 20;

    private ZeroesAndDiscard() {
    }

    /**
     * {@code bdrv_co_pwrite_zeroes} → {@code bdrv_co_do_pwrite_zeroes}: the driver's write zeroes where it has one;
     * where it has none or answers ENOTSUP, a zeroed buffer (B49), unless NO_FALLBACK asks for ENOTSUP instead.
     */
    @CoroutineFn
    @GraphRdlock
    static void coPwriteZeroes(BlockDriverState bs, long offset, long bytes, Set<RequestFlag> flags)
            throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_pwrite_zeroes");
        bs.drainState().incInFlight();
        try {
            BlockDriver d = NodeIo.checkRange(bs, offset, bytes, "write zeroes to");
            NodeIo.requireWritable(bs, Errno.EPERM, "Block node is read-only");
            if (bytes == 0) {
                return;
            }
            if (d instanceof WriteZeroes zeroes) {
                try {
                    zeroes.coPwriteZeroes(bs, offset, bytes, flags);
                    return;
                } catch (BlockException e) {
                    if (e.errno() != Errno.ENOTSUP) {
                        throw e;
                    }
                }
            }
            if (flags.contains(RequestFlag.NO_FALLBACK)) {
                throw bs.error(Errno.ENOTSUP, "Cannot write zeroes to " + bytes + " bytes at offset " + offset
                        + " without writing a buffer of them (NO_FALLBACK)");
            }
            int fua = flags.contains(RequestFlag.FUA) ? RequestFlag.FUA.value() : 0;
            ByteBuffer zeroBuffer = ByteBuffer.allocate((int) Math.min(bytes, ZEROES_BOUNCE));
            for (long done = 0; done < bytes; ) {
                int n = (int) Math.min(zeroBuffer.capacity(), bytes - done);
                d.coPwritev(bs, offset + done, zeroBuffer.clear().limit(n), fua);
                done += n;
            }
        } finally {
            bs.drainState().decInFlight();
        }
    }

    /**
     * {@code bdrv_co_pdiscard}: EPERM on a read-only node; otherwise advice: nothing happens without
     * {@code discard=unmap} or a driver that can discard, and the driver's ENOTSUP is success (B50).
     */
    @CoroutineFn
    @GraphRdlock
    static void coPdiscard(BlockDriverState bs, long offset, long bytes) throws BlockException {
        assert Rules.coroutineReader(bs.graphLock(), "bdrv_co_pdiscard");
        bs.drainState().incInFlight();
        try {
            BlockDriver d = NodeIo.checkRange(bs, offset, bytes, "discard");
            NodeIo.requireWritable(bs, Errno.EPERM, "Block node is read-only");
            if ((bs.openFlags() & OpenFlags.UNMAP) == 0 || !(d instanceof Discard discard) || bytes == 0) {
                return;
            }
            try {
                discard.coPdiscard(bs, offset, bytes);
            } catch (BlockException e) {
                if (e.errno() != Errno.ENOTSUP) {
                    throw e;
                }
            }
        } finally {
            bs.drainState().decInFlight();
        }
    }
}
