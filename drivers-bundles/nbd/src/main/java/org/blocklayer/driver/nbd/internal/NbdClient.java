package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoQueue;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The per-node state of the nbd driver: the current {@link Connection}, what happens when it breaks, and the bound
 * on requests in flight ({@code BDRVNBDState}'s state machine, {@code nbd_co_send_request}, {@code nbd_co_request}
 * and {@code nbd_reconnect_attempt} of block/nbd.c).
 *
 * <p>At most {@link Nbd#MAX_IN_FLIGHT} requests are in flight; more wait on a CoQueue ({@code free_sema}). When the
 * connection breaks, its requests fail. With {@code reconnect-delay=0} the node is then dead: every later request
 * fails with EIO. With a delay, the client is reconnecting: requests lost with the connection are sent again, new
 * ones wait; the first request to find no requests in flight makes the reconnection attempts (on a worker thread,
 * so the context keeps running) until one succeeds or the delay has passed. After that, each new request makes one
 * attempt of its own, as QEMU's {@code NBD_CLIENT_CONNECTING_NOWAIT}. A protocol violation is never retried.
 *
 * <p>Touched only in the node's AioContext thread, except {@link #close()} (main loop, node drained), and the
 * moves: {@link #detachAioContext()} in the old context's thread and {@link #attachAioContext} in the new one's,
 * with the node drained throughout.
 */
final class NbdClient implements Connection.Listener {
    private static final long FIRST_BACKOFF = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(2);

    private enum State { CONNECTED, RECONNECTING, EXPIRED, DEAD, CLOSED }

    private final CoroutineScheduler scheduler;
    private final Supplier<AioContext> owner;
    private final NbdConfig config;
    private final ExportInfo info;
    private final boolean writable;
    private final CoQueue freeSlots;
    private Connection connection;
    private State state = State.CONNECTED;
    private BlockException lastFailure;
    private long reconnectDeadline;
    private int inFlight;

    NbdClient(CoroutineScheduler scheduler, NbdConfig config, Connector.Session session, boolean writable,
            Supplier<AioContext> owner) {
        this.scheduler = scheduler;
        this.owner = owner;
        this.config = config;
        this.info = session.info();
        this.writable = writable;
        this.freeSlots = scheduler.newQueue();
        this.connection = newConnection(session);
    }

    ExportInfo info() {
        return info;
    }

    NbdConfig config() {
        return config;
    }

    /**
     * Sends {@code r} and waits for its reply ({@code nbd_co_request}): sent again on a new connection when the
     * old one was lost while the client reconnects. Throws what the server or the connection said.
     */
    @CoroutineFn
    void run(NbdRequest r) throws BlockException {
        for (;;) {
            Connection c = acquire(r);
            try {
                c.submit(r);
            } finally {
                release();
            }
            BlockException failure = r.failure();
            if (failure != null) {
                if (r.retryable() && state == State.RECONNECTING) {
                    r.reset();
                    continue;
                }
                throw requestFailed(r, failure);
            }
            int error = r.serverErrorValue();
            if (error != 0) {
                BlockException e = serverError(r);
                if (e.errno() == Errno.ESHUTDOWN) {
                    c.disconnectForShutdown(e);
                }
                throw e;
            }
            return;
        }
    }

    /**
     * Takes a slot for {@code r} ({@code free_sema}); a client that is not connected lets one request at a time
     * in. A failure here names {@code r}: the command the user asked for, not the one that found the server gone.
     */
    @CoroutineFn
    private Connection acquire(NbdRequest r) throws BlockException {
        for (;;) {
            if (state == State.DEAD || state == State.CLOSED) {
                throw dead(r);
            }
            if (inFlight < Nbd.MAX_IN_FLIGHT && (state == State.CONNECTED || inFlight == 0)) {
                break;
            }
            freeSlots.coWait();
        }
        inFlight++;
        if (state != State.CONNECTED) {
            try {
                reconnect(r);
            } catch (BlockException e) {
                release();
                throw e;
            }
        }
        return connection;
    }

    private void release() {
        inFlight--;
        freeSlots.next();
    }

    /** {@code nbd_reconnect_attempt}: runs with the only slot taken, on behalf of {@code r}. */
    @CoroutineFn
    private void reconnect(NbdRequest r) throws BlockException {
        long backoff = FIRST_BACKOFF;
        for (;;) {
            boolean waiting = state == State.RECONNECTING;
            BlockException why;
            Connector.Session session = null;
            try {
                session = Connector.coConnect(config, scheduler.currentContext());
                why = null;
            } catch (BlockException e) {
                why = e;
            }
            if (state == State.CLOSED) {
                if (session != null) {
                    Connector.closeQuietly(session.channel());
                }
                throw dead(r);
            }
            if (session != null) {
                why = install(session);
                if (why == null) {
                    freeSlots.restartAll();
                    return;
                }
            }
            lastFailure = why;
            long left = reconnectDeadline - System.nanoTime();
            if (!waiting || left <= 0) {
                state = State.EXPIRED;
                freeSlots.restartAll();
                throw new BlockException(Errno.EIO, "NBD " + r.describe() + " failed: the connection to "
                        + config.describe() + " was lost and reconnecting failed: " + why.getMessage());
            }
            scheduler.sleep(Math.min(backoff, left));
            backoff = Math.min(backoff * 2, MAX_BACKOFF);
        }
    }

    /** A new connection must show the same export: same size, still writable when the node is. */
    private BlockException install(Connector.Session session) {
        ExportInfo fresh = session.info();
        String problem = fresh.size() != info.size()
                ? "the export size changed from " + info.size() + " to " + fresh.size() + " bytes"
                : writable && fresh.readOnly() ? "the export became read-only" : null;
        if (problem != null) {
            session.disconnect();
            return new BlockException(Errno.EIO, "reconnected to " + config.describe() + ", but " + problem);
        }
        connection = newConnection(session);
        state = State.CONNECTED;
        reconnectDeadline = 0;
        return null;
    }

    /** A connection watched from the node's context: the one it opens in, or the one a reconnection runs in. */
    private Connection newConnection(Connector.Session session) {
        return new Connection(scheduler, session, config.describe(), config.timeoutNanos(), owner.get(), this);
    }

    /** {@code nbd_detach_aio_context}: in the old context's thread, the node drained. */
    void detachAioContext() {
        connection.detach();
    }

    /** {@code nbd_attach_aio_context}: in {@code ctx}'s thread, the node still drained. */
    void attachAioContext(AioContext ctx) {
        connection.attach(ctx);
    }

    /** The current connection (for tests: which context watches its socket). */
    Connection connection() {
        return connection;
    }

    /** {@code nbd_channel_error}: a lost connection reconnects when allowed; a protocol violation never does. */
    @Override
    public void broken(Connection c, BlockException why, boolean retryable) {
        if (c != connection || state == State.CLOSED) {
            return;
        }
        lastFailure = why;
        if (retryable && config.reconnectDelayNanos() > 0) {
            state = State.RECONNECTING;
            reconnectDeadline = System.nanoTime() + config.reconnectDelayNanos();
        } else {
            state = State.DEAD;
        }
        // Requests waiting for a slot must see the new state: a dead client fails them all at once, and none
        // of them would otherwise be woken (a failing request takes no slot, so it frees none).
        freeSlots.restartAll();
    }

    /** {@code nbd_client_close}: a soft disconnect. */
    @GlobalStateCode
    void close() {
        state = State.CLOSED;
        connection.close();
    }

    private BlockException dead(NbdRequest r) {
        String why = lastFailure == null ? "the node is closed" : lastFailure.getMessage();
        return new BlockException(Errno.EIO, "NBD " + r.describe() + " failed: " + config.describe()
                + " is not connected: " + why);
    }

    private BlockException requestFailed(NbdRequest r, BlockException failure) {
        Errno errno = failure.errno() == Errno.ETIMEDOUT || failure.errno() == Errno.EPROTO ? failure.errno()
                : Errno.EIO;
        return new BlockException(errno, "NBD " + r.describe() + " failed: " + failure.getMessage(), failure);
    }

    private BlockException serverError(NbdRequest r) {
        int error = r.serverErrorValue();
        String said = r.serverMessage() == null ? "" : " (server says: " + r.serverMessage() + ")";
        return new BlockException(Nbd.errno(error), "NBD " + r.describe() + " on " + config.describe()
                + " failed: " + Nbd.errorName(error) + said);
    }
}
