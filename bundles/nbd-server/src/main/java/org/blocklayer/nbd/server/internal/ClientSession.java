package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.Timer;

/**
 * One connected client ({@code NBDClient}, nbd/server.c): the handshake in the main loop, then the transmission phase
 * in the export's AioContext. There one coroutine at a time receives a request ({@code nbd_trip}); as soon as the
 * request and its payload are read it starts the next receiver, so up to {@link Wire#MAX_REQUESTS} requests run at
 * once, each answering when it finishes.
 *
 * <p>Closing ({@code client_close}) is hard or graceful. Hard closes the socket at once: waiting coroutines fail,
 * requests in flight finish in the block layer and their replies are dropped. Graceful (NBD_CMD_DISC, an export
 * deleted without force) receives nothing more, lets the requests in flight send their replies, then closes (B53).
 * The session is released once the socket is closed and no request is left.
 */
final class ClientSession {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    private final CoroutineScheduler scheduler;
    private final ChannelIo io;
    private final ExportTable exports;
    private final long handshakeTimeoutNanos;
    private final String peer;
    private final Consumer<ClientSession> onRelease;
    private final RequestBuffers buffers = new RequestBuffers();
    /** The request header being received: one receiver at a time, and {@link NbdRequest#parse} copies it out. */
    private final ByteBuffer header = ByteBuffer.allocate(Wire.REQUEST_SIZE);
    /** The context that owns the socket now: main during the handshake, the export's after. */
    private volatile AioContext home;

    // The rest belongs to the home context's thread.
    private NbdExport export;
    private Replies replies;
    private Commands commands;
    private boolean structured;
    private int inFlight;
    private boolean receiving;
    private boolean negotiating = true;
    private boolean closing;
    private boolean released;

    ClientSession(CoroutineScheduler scheduler, ChannelIo io, ExportTable exports, long handshakeTimeoutNanos,
            String peer, Consumer<ClientSession> onRelease) {
        this.scheduler = scheduler;
        this.io = io;
        this.exports = exports;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        this.peer = peer;
        this.onRelease = onRelease;
    }

    /** {@code nbd_client_new}: the handshake, as a coroutine in the main loop; main loop only. */
    void start() {
        AioContext main = scheduler.mainContext();
        home = main;
        io.attach(main);
        scheduler.start(main, this::handshake);
    }

    /** {@code nbd_co_client_start}: negotiation bounded by a timer that shuts the socket, then transmission. */
    @CoroutineFn
    private void handshake() {
        Timer timer = scheduler.mainContext().after(handshakeTimeoutNanos, () -> {
            if (negotiating) {
                LOG.log(System.Logger.Level.INFO, "NBD client " + peer + ": no handshake within the timeout");
                io.close();
            }
        });
        Negotiated chosen = null;
        try {
            chosen = new Negotiation(io, exports).run();
        } catch (HandshakeFailed e) {
            LOG.log(System.Logger.Level.INFO, "NBD client " + peer + ": option negotiation failed: "
                    + e.getMessage());
        } catch (IOException e) {
            // The client went away, or the timer or a shutdown closed the socket.
        } finally {
            timer.cancel();
            negotiating = false;
        }
        if (chosen == null || closing || !chosen.export().join(this)) {
            closeNow();
            return;
        }
        export = chosen.export();
        structured = chosen.structured();
        replies = new Replies(io, scheduler.newMutex(), structured);
        commands = new Commands(export, replies, chosen.baseAllocation(), buffers);
        moveTo(export.context());
    }

    /** {@code qio_channel_attach_aio_context}: the socket leaves the main loop for the export's context. */
    private void moveTo(AioContext ctx) {
        if (ctx == home) {
            receiveNext();
            return;
        }
        io.detach();
        home = ctx;
        ctx.schedule(() -> {
            io.attach(ctx);
            if (closing) {
                closeNow();
            } else {
                receiveNext();
            }
        });
    }

    /** {@code nbd_client_receive_next_request}: one receiver at a time, none past the limit or while closing. */
    private void receiveNext() {
        if (!receiving && !closing && !io.isClosed() && inFlight < Wire.MAX_REQUESTS) {
            receiving = true;
            scheduler.start(home, this::trip);
        }
    }

    /** {@code nbd_trip}: receive one request, let the next receiver start, carry it out, answer. */
    @CoroutineFn
    private void trip() {
        header.clear();
        NbdRequest r;
        try {
            r = io.readFully(header, true) ? NbdRequest.parse(header) : null;
            if (r == null && header.position() > 0) {
                LOG.log(System.Logger.Level.INFO, "NBD client " + peer + ": invalid magic (got 0x"
                        + Integer.toHexString(header.getInt(0)) + ")");
            }
        } catch (IOException e) {
            r = null;
        }
        if (r == null) {
            receiving = false;
            closeNow();
            return;
        }
        if (closing) {
            // Arrived after a graceful close began: dropped; the socket closes with the last reply.
            receiving = false;
            if (inFlight == 0) {
                closeNow();
            }
            return;
        }
        inFlight++;
        try {
            serve(r);
        } finally {
            inFlight--;
            if (closing && inFlight == 0) {
                closeNow();
            }
            receiveNext();
            releaseIfDone();
        }
    }

    /** {@code nbd_co_receive_request}'s checks, then the request itself; the receiver's turn ends in here. */
    @CoroutineFn
    private void serve(NbdRequest r) {
        Wire.Command command = r.command();
        if (command == Wire.Command.DISC) {
            // No reply; the requests in flight still get theirs (B53).
            receiving = false;
            closing = true;
            return;
        }
        String invalid = null;
        ByteBuffer data = null;
        boolean payloadRead = true;
        boolean buffered = command == Wire.Command.READ || command == Wire.Command.WRITE
                || command == Wire.Command.CACHE;
        if (buffered && r.length() > Wire.MAX_BUFFER) {
            invalid = "len (" + r.length() + ") is larger than max len (" + Wire.MAX_BUFFER + ")";
            payloadRead = command != Wire.Command.WRITE;
        } else {
            if (command == Wire.Command.WRITE) {
                data = buffers.take((int) r.length());
                try {
                    io.readFully(data, false);
                } catch (IOException e) {
                    buffers.give(data);
                    receiving = false;
                    closeNow();
                    return;
                }
                data.flip();
            }
            invalid = r.problem(export.size(), export.readOnly(), structured);
        }
        receiving = false;
        receiveNext();
        try {
            if (invalid != null) {
                // QEMU 7.2 answers every request it refuses on receipt with EINVAL (B53).
                replies.generic(r.handle(), Wire.EINVAL, invalid);
            } else {
                commands.handle(r, data);
            }
        } catch (IOException e) {
            closeNow();
            return;
        } finally {
            buffers.give(data);
        }
        if (!payloadRead) {
            // The payload is still in the socket: nothing after it can be read as a request.
            closeNow();
        }
    }

    /**
     * {@code client_close}: from any thread. {@code graceful} lets the requests in flight answer first; otherwise the
     * socket closes at once.
     */
    void shutdown(boolean graceful) {
        AioContext h = home;
        h.schedule(() -> {
            if (home != h) {
                // The socket moved meanwhile: follow it.
                shutdown(graceful);
                return;
            }
            closing = true;
            if (!graceful || inFlight == 0 || negotiating) {
                closeNow();
            }
        });
    }

    /** Closes the socket (home thread), then releases the session once nothing runs any more. */
    private void closeNow() {
        closing = true;
        io.close();
        releaseIfDone();
    }

    private void releaseIfDone() {
        if (released || !io.isClosed() || inFlight > 0 || receiving || negotiating) {
            return;
        }
        released = true;
        if (export != null) {
            export.leave(this);
        }
        onRelease.accept(this);
    }

    String peer() {
        return peer;
    }
}
