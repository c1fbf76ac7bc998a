package org.blocklayer.nbd.server.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.export.ExportInfo;

/**
 * One exported node ({@code NBDExport}, nbd/server.c): its name and description as clients see them, the
 * BlockBackend every client's requests go through, the size and transmission flags fixed when it was added, and its
 * clients. Requests run in {@link #context()}, the node's AioContext, which the export's BlockBackend keeps the
 * node in until the export is deleted.
 */
final class NbdExport {
    private final String name;
    private final String description;
    private final String node;
    private final BlockBackend blk;
    private final AioContext context;
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
