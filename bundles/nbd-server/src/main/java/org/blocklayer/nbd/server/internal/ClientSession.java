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
    // inFlight and receiving are written by the home thread and read by a drain's poll, from any thread (busy()).
    private volatile int inFlight;
    private volatile boolean receiving;
    /** {@code client->quiescing}: the export's node is drained; no new request is received. */
    private boolean quiescing;
    /**
     * Set by the home thread once it has seen {@link #quiesce} (no receiver will start), cleared by {@link #resume}:
     * until then {@link #busy} says yes, since a poll from another thread reading {@code receiving} and
     * {@code inFlight} one after the other could see a request just ended and miss the receiver that followed it.
     */
    private volatile boolean quiesceSeen;
    /** The socket was detached from the node's old context by the export and waits for the new one. */
    private boolean detached;
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
        if (export.quiescing()) {
            // The node is drained, maybe moving: wait here in the main loop; drainedEnd moves the socket.
            quiescing = true;
            quiesceSeen = true;
            io.stopIdleReads(true);
            return;
        }
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

    /** {@code nbd_client_receive_next_request}: one receiver at a time, none past the limit, closing or quiescing. */
    private void receiveNext() {
        if (!receiving && !closing && !quiescing && !detached && !io.isClosed() && inFlight < Wire.MAX_REQUESTS) {
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
        } catch (ChannelIo.IdleReadStopped quiesced) {
            // Drained: no request had begun; the receiver ends and resume() starts the next one.
            receiving = false;
            kickDrain();
            return;
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
            if (quiescing && inFlight == 0) {
                kickDrain();
            }
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
        onHome(() -> {
            closing = true;
            if (!graceful || inFlight == 0 || negotiating) {
                closeNow();
            }
        });
    }

    /**
     * {@code nbd_drained_begin} for this client, from any thread: stops receiving, in the home thread. The work
     * follows the socket when it moves, so it may run after a later {@link #resume}: it then finds its export no
     * longer quiescing and does nothing, as a resume overtaken by a later quiesce does.
     */
    void quiesce() {
        onHome(() -> {
            if (export != null && !export.quiescing()) {
                return;
            }
            quiescing = true;
            io.stopIdleReads(true);
            quiesceSeen = true;
            kickDrain();
        });
    }

    /**
     * {@code nbd_drained_poll}'s test, from any thread, during a drained section: the quiesce not yet seen, or a
     * receiver or a request still running. Once seen, both only go down (no receiver starts), so reading them one
     * after the other is safe.
     */
    boolean busy() {
        return !quiesceSeen || receiving || inFlight > 0;
    }

    /** {@code nbd_drained_end} for this client, from any thread: receives again, from the export's context. */
    void resume() {
        onHome(() -> {
            if (export != null && export.quiescing()) {
                return; // overtaken by the next drained section's quiesce: receiving would start inside it
            }
            quiescing = false;
            quiesceSeen = false;
            io.stopIdleReads(false);
            if (negotiating || export == null) {
                return;
            }
            if (closing) {
                closeNow();
            } else if (!detached) {
                moveTo(export.context());
            }
        });
    }

    /** {@code blk_aio_detach}, in {@code old}'s thread: the socket stops being watched there. */
    void detachFrom(AioContext old) {
        if (home == old && !negotiating && !io.isClosed()) {
            io.detach();
            detached = true;
        }
    }

    /** {@code blk_aio_attached}, in {@code ctx}'s thread: a socket detached from the old context is watched here. */
    void attachTo(AioContext ctx) {
        if (detached) {
            detached = false;
            home = ctx;
            io.attach(ctx);
            if (closing) {
                closeNow();
            }
        }
    }

    /**
     * {@code aio_wait_kick}: a drain polls the main loop until no client is {@link #busy}, and sleeps in between;
     * whenever that may have changed in another context's thread, an empty bottom half wakes the main loop to look
     * again (without it the drain sleeps for ever).
     */
    private void kickDrain() {
        if (!scheduler.mainContext().isCurrent()) {
            scheduler.mainContext().schedule(() -> { });
        }
    }

    /** Runs {@code work} in the home thread, following the socket if it moves before the work runs. */
    private void onHome(Runnable work) {
        AioContext h = home;
        h.schedule(() -> {
            if (home != h) {
                onHome(work);
                return;
            }
            work.run();
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

    AioContext home() {
        return home;
    }

    String peer() {
        return peer;
    }
}
