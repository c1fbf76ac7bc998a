package org.blocklayer.nbd.server.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockDevOps;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.export.ExportInfo;

/**
 * One exported node ({@code NBDExport}, nbd/server.c): its name and description as clients see them, the
 * BlockBackend every client's requests go through, the size and transmission flags fixed when it was added, and its
 * clients. Requests run in {@link #context()}, the node's AioContext, and follow the node when it moves, as QEMU's
 * {@code nbd_block_ops} and {@code blk_aio_attached}/{@code blk_aio_detach} do: while the node is drained the clients
 * receive no new request, the drain waits for the ones they have, and their sockets move with the node.
 */
final class NbdExport implements BlockDevOps {
    private final String name;
    private final String description;
    private final String node;
    private final BlockBackend blk;
    private volatile AioContext context;
    /** Between drained_begin and drained_end: clients joining meanwhile wait in the main loop. */
    private volatile boolean quiescing;
    private final long size;
    private final int flags;
    private final Set<ClientSession> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    /** Completes once the export is deleted and its last client has gone. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private volatile boolean deleted;

    NbdExport(String name, String description, String node, BlockBackend blk, AioContext context, long size,
            int flags) {
        this.name = name;
        this.description = description;
        this.node = node;
        this.blk = blk;
        this.context = context;
        this.size = size;
        this.flags = flags;
    }

    /**
     * {@code nbd_export_create}'s flags: flush, FUA and cache always; trim, write zeroes and fast zero for writable
     * exports; read-only said so; multi-conn where the caller decided it is safe.
     */
    static int flags(boolean writable, boolean multiConn) {
        int f = Wire.HAS_FLAGS | Wire.SEND_FLUSH | Wire.SEND_FUA | Wire.SEND_CACHE;
        f |= writable ? Wire.SEND_TRIM | Wire.SEND_WRITE_ZEROES | Wire.SEND_FAST_ZERO : Wire.READ_ONLY;
        return multiConn ? f | Wire.CAN_MULTI_CONN : f;
    }

    String name() {
        return name;
    }

    String description() {
        return description;
    }

    BlockBackend blk() {
        return blk;
    }

    AioContext context() {
        return context;
    }

    long size() {
        return size;
    }

    boolean readOnly() {
        return (flags & Wire.READ_ONLY) != 0;
    }

    /** The flags a client sees: with structured replies, also "do not fragment". */
    int flags(boolean structured) {
        return structured ? flags | Wire.SEND_DF : flags;
    }

    void countRead(long bytes) {
        bytesRead.addAndGet(bytes);
    }

    void countWritten(long bytes) {
        bytesWritten.addAndGet(bytes);
    }

    boolean quiescing() {
        return quiescing;
    }

    /** {@code nbd_drained_begin}: no client receives a new request until {@link #drainedEnd}. */
    @Override
    public void drainedBegin() {
        quiescing = true;
        clients.forEach(ClientSession::quiesce);
    }

    /** {@code nbd_drained_poll}: a client still receiving or carrying out a request. */
    @Override
    public boolean drainedPoll() {
        return clients.stream().anyMatch(ClientSession::busy);
    }

    /** {@code nbd_drained_end}: the clients receive again, from the node's context wherever it is now. */
    @Override
    public void drainedEnd() {
        quiescing = false;
        clients.forEach(ClientSession::resume);
    }

    /** {@code blk_aio_detach}: in the old context's thread, the clients' sockets leave it. */
    @Override
    public void detachAioContext(AioContext old) {
        clients.forEach(c -> c.detachFrom(old));
    }

    /** {@code blk_aio_attached}: in the new context's thread, the sockets detached from the old one are watched here. */
    @Override
    public void attachedAioContext(AioContext ctx) {
        context = ctx;
        clients.forEach(c -> c.attachTo(ctx));
    }

    /** Where each client's socket is watched now (for tests: that the clients followed the node). */
    java.util.List<AioContext> sessionHomes() {
        return clients.stream().map(ClientSession::home).toList();
    }

    /** A client chose this export; false once it is deleted (the client is then refused). */
    boolean join(ClientSession client) {
        clients.add(client);
        if (deleted) {
            // As a client that leaves: the deletion may have seen it here and be waiting for it.
            leave(client);
            return false;
        }
        return true;
    }

    /** A client of this export is gone. */
    void leave(ClientSession client) {
        if (clients.remove(client) && deleted && clients.isEmpty()) {
            released.complete(null);
        }
    }

    /** No client may join any more; the ones connected now are returned for the caller to close. */
    Set<ClientSession> markDeleted() {
        deleted = true;
        if (clients.isEmpty()) {
            released.complete(null);
        }
        return Set.copyOf(clients);
    }

    /** Completes when the export is deleted and has no client left. */
    CompletableFuture<Void> released() {
        return released;
    }

    ExportInfo info() {
        return new ExportInfo(name, node, !readOnly(), description, (flags & Wire.CAN_MULTI_CONN) != 0, size,
                clients.size(), bytesRead.get(), bytesWritten.get());
    }
}
