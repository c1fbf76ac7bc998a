package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoMutex;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.Wakeup;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * One socket in the transmission phase (the connection part of QEMU's {@code BDRVNBDState}). Requests from many
 * coroutines share it: sends are serialized by a CoMutex ({@code send_mutex}); replies are read by one fd handler on
 * the AioContext's selector ({@code nbd_receive_replies}), parsed by a {@link ReplyParser}, matched to their
 * request by cookie and answered out of order by waking the request's coroutine. Nothing blocks: a full socket
 * buffer makes the sender yield until the channel is writable.
 *
 * <p>All state belongs to the thread of the node's context; requests come from there, and the socket is watched
 * from there ({@link SocketWatch}). When the node moves, {@link #detach} and {@link #attach} move the watch and the
 * timeout check with it (the driver's AioContext callbacks).
 *
 * <p>Liveness (X5): every request has a deadline; a timer checks them while requests are in flight, and the first
 * that passes its deadline breaks the connection: that request fails with ETIMEDOUT, the others as lost. A server
 * that closes the socket, or sends anything the parser rejects, breaks it the same way. Breaking closes the socket
 * and completes every request in flight, so nobody waits on a dead connection.
 */
final class Connection implements ReplyParser.Table {
    private static final int READ_BUFFER = 256 * 1024;
    /** Reads per readiness callback, so one busy connection cannot keep its context from other work. */
    private static final int READS_PER_CALLBACK = 16;

    /** Told once when the connection breaks, before the requests in flight are woken. */
    interface Listener {
        void broken(Connection connection, BlockException why, boolean retryable);
    }

    private final CoroutineScheduler scheduler;
    private final SocketChannel channel;
    private final String name;
    private final long timeoutNanos;
    private final Listener listener;
    private final SocketWatch watch;
    private final TimeoutCheck timeouts;
    private final ReplyParser parser;
    private final Map<Long, NbdRequest> pending = new HashMap<>();
    private final List<Wakeup> toWake = new ArrayList<>();
    private final CoMutex sendLock;
    private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER).flip();
    private final ByteBuffer header = ByteBuffer.allocate(Nbd.REQUEST_SIZE);
    private long nextCookie = 1;

    private Wakeup writeWaiter;
    private boolean sending;
    private volatile boolean broken;

    /** A connection watched from {@code ctx}, the node's context, where its requests come from. */
    Connection(CoroutineScheduler scheduler, Connector.Session session, String name, long timeoutNanos,
            AioContext ctx, Listener listener) {
        this.scheduler = scheduler;
        this.channel = session.channel();
        this.name = name;
        this.timeoutNanos = timeoutNanos;
        this.listener = listener;
        this.watch = new SocketWatch(channel, this::readable, this::writable);
        this.timeouts = new TimeoutCheck(timeoutNanos, watch::context, pending::values, this::expired);
        this.parser = new ReplyParser(this, session.info().structured());
        this.sendLock = scheduler.newMutex();
        attach(ctx);
    }

    /**
     * Sends {@code r} and waits for its reply. On return {@code r} is done: with the server's answer, or failed
     * because the connection broke ({@link NbdRequest#failure()}).
     */
    @CoroutineFn
    void submit(NbdRequest r) {
        AioContext ctx = watch.context();
        if (ctx == null || !ctx.isCurrent()) {
            // Everything here belongs to the node's context thread; a request from elsewhere would race with it.
            r.fail(new BlockException(Errno.EIO, "request on " + name + " from outside the node's AioContext"
                    + (ctx == null ? "" : " '" + ctx.name() + "'")), false);
            return;
        }
        sendLock.lock();
        try {
            if (broken) {
                r.fail(lost("the connection is closed"), true);
                return;
            }
            r.setCookie(nextCookie++);
            r.setDeadline(System.nanoTime() + timeoutNanos);
            pending.put(r.cookie(), r);
            timeouts.arm();
            send(r);
        } finally {
            sendLock.unlock();
        }
        while (!r.isDone()) {
            r.await(scheduler.self());
            scheduler.yieldNow();
        }
    }

    /** Writes the header and payload of {@code r}, yielding while the socket buffer is full. */
    @CoroutineFn
    private void send(NbdRequest r) {
        header.clear();
        RequestEncoder.encode(header, r);
        header.flip();
        ByteBuffer[] parts = r.type() == Nbd.CMD_WRITE
                ? new ByteBuffer[] {header, r.data().duplicate().position(0).limit(r.length())}
                : new ByteBuffer[] {header};
        sending = true;
        try {
            while (!broken && parts[parts.length - 1].hasRemaining()) {
                if (channel.write(parts) == 0) {
                    writeWaiter = scheduler.self();
                    watch.wantWritable();
                    scheduler.yieldNow();
                }
            }
        } catch (IOException e) {
            fail(lost("sending a request failed: " + e.getMessage()), true, Set.of());
        } finally {
            sending = false;
        }
    }

    private void writable() {
        Wakeup w = writeWaiter;
        writeWaiter = null;
        if (w != null) {
            w.wake();
        }
    }

    /** The fd handler ({@code nbd_receive_replies}): reads what arrived, parses it, wakes finished requests. */
    private void readable() {
        for (int i = 0; i < READS_PER_CALLBACK && !broken; i++) {
            int n = 0;
            BlockException failure = null;
            boolean retryable = true;
            try {
                n = readAndParse();
                if (n < 0) {
                    failure = lost("the server closed the connection");
                }
            } catch (IOException e) {
                failure = lost("reading a reply failed: " + e.getMessage());
            } catch (NbdProtocolException e) {
                failure = new BlockException(Errno.EPROTO, "NBD server broke the protocol on " + name + ": "
                        + e.getMessage());
                retryable = false;
            } catch (RuntimeException e) {
                // A parser bug must not leave a readable socket that throws on every callback.
                failure = new BlockException(Errno.EIO, "cannot handle a reply on " + name + ": " + e, e);
                retryable = false;
            }
            // Replies completed before a failure still reach their requests.
            wakeFinished();
            if (failure != null) {
                fail(failure, retryable, Set.of());
            }
            if (n <= 0) {
                return;
            }
        }
    }

    /** One read from the socket, parsed; read data goes straight into the request's buffer when it can. */
    private int readAndParse() throws IOException, NbdProtocolException {
        ByteBuffer direct = parser.directTarget();
        if (direct != null) {
            int n = channel.read(direct);
            parser.directFilled();
            return n;
        }
        in.clear();
        int n = channel.read(in);
        in.flip();
        parser.feed(in);
        return n;
    }

    @Override
    public NbdRequest lookup(long cookie) {
        return pending.get(cookie);
    }

    @Override
    public void completed(NbdRequest r) {
        pending.remove(r.cookie());
        Wakeup w = r.complete();
        if (w != null) {
            toWake.add(w);
        }
    }

    /** Wakes the coroutines whose replies are complete; each may run (and send) before this returns. */
    private void wakeFinished() {
        if (toWake.isEmpty()) {
            return;
        }
        List<Wakeup> batch = List.copyOf(toWake);
        toWake.clear();
        batch.forEach(Wakeup::wake);
    }

    /**
     * {@code nbd_attach_aio_context}: the socket is watched from {@code ctx}, in its thread (or, at creation, from a
     * bottom half there). A broken connection has no socket left to watch.
     */
    void attach(AioContext ctx) {
        if (broken) {
            return;
        }
        try {
            watch.attach(ctx);
        } catch (RuntimeException e) {
            fail(lost("cannot watch the socket in " + ctx.name() + ": " + e), true, Set.of());
        }
    }

    /**
     * {@code nbd_detach_aio_context}, in the old context's thread with the node drained: its fd handler goes, and
     * so does a timeout check still armed there (nothing is in flight, the next request arms one where it runs).
     */
    void detach() {
        timeouts.disarm();
        watch.detach();
    }

    /** The context that watches the socket now, or null while detached. */
    AioContext watchedBy() {
        return watch.context();
    }

    /** The first request past its deadline breaks the connection: it fails ETIMEDOUT, the others as lost. */
    private void expired(Set<NbdRequest> requests) {
        fail(new BlockException(Errno.ETIMEDOUT, "no reply from the NBD server within "
                + Connector.seconds(timeoutNanos) + " (timeout) on " + name), true, requests);
    }

    /**
     * Breaks the connection: closes the socket, fails every request in flight (those in {@code timedOut} with
     * ETIMEDOUT, the others with {@code why}, retryable when {@code retryable}), tells the listener, then wakes
     * the waiting coroutines. Idempotent.
     */
    void fail(BlockException why, boolean retryable, Set<NbdRequest> timedOut) {
        if (broken) {
            return;
        }
        broken = true;
        Connector.closeQuietly(channel);
        timeouts.stop();
        List<Wakeup> wake = new ArrayList<>();
        for (NbdRequest r : pending.values()) {
            Wakeup w = timedOut.contains(r)
                    ? r.fail(new BlockException(Errno.ETIMEDOUT, "no reply within " + Connector.seconds(timeoutNanos)
                            + " (timeout) on " + name), false)
                    : r.fail(why, retryable);
            if (w != null) {
                wake.add(w);
            }
        }
        pending.clear();
        if (writeWaiter != null) {
            wake.add(writeWaiter);
            writeWaiter = null;
        }
        listener.broken(this, why, retryable);
        wake.forEach(Wakeup::wake);
    }

    /**
     * {@code nbd_client_close}: a soft disconnect ({@code NBD_CMD_DISC}) when nothing is half sent, then the
     * socket is closed. Runs in the main loop once the node is drained.
     */
    void close() {
        if (!broken && pending.isEmpty()) {
            sendDisconnect();
        }
        broken = true;
        timeouts.stop();
        Connector.closeQuietly(channel);
    }

    /**
     * The server answered ESHUTDOWN: proto.md wants a soft disconnect, so {@code NBD_CMD_DISC} goes out (unless a
     * request is half sent) and the connection breaks as lost, which lets a reconnection retry the rest.
     */
    void disconnectForShutdown(BlockException why) {
        if (broken) {
            return;
        }
        sendDisconnect();
        fail(why, true, Set.of());
    }

    /** {@code NBD_CMD_DISC}, best effort and without waiting; never in the middle of another request's bytes. */
    private void sendDisconnect() {
        if (!sending) {
            try {
                channel.write(RequestEncoder.disconnect(nextCookie++));
            } catch (IOException e) {
                // The server went away first; closing is all that is left.
            }
        }
    }

    private BlockException lost(String what) {
        return new BlockException(Errno.EIO, "lost the connection to " + name + ": " + what);
    }
}
