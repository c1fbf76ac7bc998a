package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.MapEntry;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;

/**
 * A checked request, carried out through the export's BlockBackend and answered ({@code nbd_handle_request},
 * {@code nbd_do_cmd_read}, {@code nbd_do_cmd_cache}, {@code nbd_co_send_block_status}). Runs in the request's
 * coroutine in the export's AioContext, where the backend's calls run inline. A failed block-layer call is an error
 * reply; an IOException means the reply could not be sent.
 */
final class Commands {
    private final NbdExport export;
    private final BlockBackend blk;
    private final Replies replies;
    private final boolean baseAllocation;
    private final RequestBuffers buffers;

    Commands(NbdExport export, Replies replies, boolean baseAllocation, RequestBuffers buffers) {
        this.export = export;
        this.blk = export.blk();
        this.replies = replies;
        this.baseAllocation = baseAllocation;
        this.buffers = buffers;
    }

    /** {@code data} is the payload of a WRITE, already read. */
    @CoroutineFn
    void handle(NbdRequest r, ByteBuffer data) throws IOException {
        Wire.Command command = r.command();
        if (command == null) {
            replies.generic(r.handle(), Wire.EINVAL, "invalid request type (" + r.type() + ") received");
            return;
        }
        try {
            switch (command) {
                case READ -> read(r);
                case WRITE -> {
                    blk.pwrite(r.from(), data);
                    fua(r);
                    export.countWritten(r.length());
                    replies.generic(r.handle(), 0, null);
                }
                case WRITE_ZEROES -> {
                    Set<RequestFlag> flags = EnumSet.noneOf(RequestFlag.class);
                    if (!r.has(Wire.NO_HOLE)) {
                        flags.add(RequestFlag.MAY_UNMAP);
                    }
                    if (r.has(Wire.FAST_ZERO)) {
                        flags.add(RequestFlag.NO_FALLBACK);
                    }
                    blk.pwriteZeroes(r.from(), r.length(), flags);
                    fua(r);
                    replies.generic(r.handle(), 0, null);
                }
                case FLUSH -> {
                    blk.flush();
                    replies.generic(r.handle(), 0, null);
                }
                case TRIM -> {
                    blk.pdiscard(r.from(), r.length());
                    fua(r);
                    replies.generic(r.handle(), 0, null);
                }
                case CACHE -> {
                    // A prefetch: the data is read into the node's caches and dropped here.
                    ByteBuffer scratch = buffers.take((int) r.length());
                    try {
                        blk.pread(r.from(), scratch);
                    } finally {
                        buffers.give(scratch);
                    }
                    replies.generic(r.handle(), 0, null);
                }
                case BLOCK_STATUS -> blockStatus(r);
                case DISC -> throw new IllegalStateException("NBD_CMD_DISC is handled when it is received");
            }
        } catch (BlockException e) {
            replies.generic(r.handle(), NbdErrors.of(e.errno()), failure(command) + ": " + e.getMessage());
        }
    }

    /**
     * FUA: the core passes the flag to drivers that may ignore it, so the data is made stable by a flush before the
     * reply, as QEMU does for drivers without native FUA.
     */
    @CoroutineFn
    private void fua(NbdRequest r) throws BlockException {
        if (r.has(Wire.FUA)) {
            blk.flush();
        }
    }

    /**
     * {@code nbd_do_cmd_read}: with structured replies and without DF, a sparse read that answers what the node
     * reports as zeroes with hole chunks (B54); otherwise the data in one piece.
     */
    @CoroutineFn
    private void read(NbdRequest r) throws IOException, BlockException {
        // The protocol documents FUA on writes only; QEMU flushes before a read that carries it.
        fua(r);
        int length = (int) r.length();
        if (replies.structured() && !r.has(Wire.DF) && length > 0) {
            sparseRead(r);
            return;
        }
        ByteBuffer data = buffers.take(length);
        try {
            blk.pread(r.from(), data);
            export.countRead(length);
            data.flip();
            if (!replies.structured()) {
                replies.simple(r.handle(), 0, data);
            } else if (length > 0) {
                replies.data(r.handle(), r.from(), data, true);
            } else {
                replies.done(r.handle());
            }
        } finally {
            buffers.give(data);
        }
    }

    /**
     * {@code nbd_co_send_sparse_read}, one chunk per extent of the node's map. Unlike QEMU 7.2, which drops the
     * connection when a read fails half way, a failure is an error chunk: the client keeps its connection (X6).
     */
    @CoroutineFn
    private void sparseRead(NbdRequest r) throws IOException {
        List<MapEntry> map = map(r, "unable to check for holes");
        if (map == null) {
            return;
        }
        long end = r.from() + r.length();
        // One buffer for the request; each data extent is read into its own part of it.
        ByteBuffer buffer = null;
        try {
            for (MapEntry e : map) {
                boolean last = e.start() + e.length() >= end;
                if (e.zero()) {
                    replies.hole(r.handle(), e.start(), (int) e.length(), last);
                    export.countRead(e.length());
                    continue;
                }
                if (buffer == null) {
                    buffer = buffers.take((int) r.length());
                }
                ByteBuffer data = buffer.slice((int) (e.start() - r.from()), (int) e.length());
                try {
                    blk.pread(e.start(), data);
                } catch (BlockException failed) {
                    replies.error(r.handle(), NbdErrors.of(failed.errno()), "reading from file failed: "
                            + failed.getMessage());
                    return;
                }
                export.countRead(e.length());
                replies.data(r.handle(), e.start(), data.flip(), last);
            }
        } finally {
            buffers.give(buffer);
        }
    }

    /** {@code base:allocation}, the one context there is: its extents from the node's map (B54). */
    @CoroutineFn
    private void blockStatus(NbdRequest r) throws IOException, BlockException {
        if (r.length() == 0) {
            replies.generic(r.handle(), Wire.EINVAL, "need non-zero length");
            return;
        }
        if (!baseAllocation) {
            replies.generic(r.handle(), Wire.EINVAL, "CMD_BLOCK_STATUS not negotiated");
            return;
        }
        List<MapEntry> map = map(r, "can't get block status");
        if (map == null) {
            return;
        }
        int max = r.has(Wire.REQ_ONE) ? 1 : Wire.MAX_EXTENTS;
        replies.blockStatus(r.handle(), Wire.META_BASE_ALLOCATION, ExtentList.of(map, max), true);
    }

    /** The node's map of the request's range, or null once a failure to get it was answered. */
    @CoroutineFn
    private List<MapEntry> map(NbdRequest r, String failure) throws IOException {
        try {
            return blk.map(r.from(), r.length());
        } catch (BlockException e) {
            replies.error(r.handle(), NbdErrors.of(e.errno()), failure + ": " + e.getMessage());
            return null;
        }
    }

    private static String failure(Wire.Command c) {
        return switch (c) {
            case READ -> "reading from file failed";
            case WRITE, WRITE_ZEROES -> "writing to file failed";
            case FLUSH -> "flush failed";
            case TRIM -> "discard failed";
            case CACHE -> "caching data failed";
            default -> "can't get block status";
        };
    }
}
