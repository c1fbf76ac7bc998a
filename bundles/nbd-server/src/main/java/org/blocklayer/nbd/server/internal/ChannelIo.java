package org.blocklayer.nbd.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.coroutine.Wakeup;

/**
 * A client's socket, read and written by coroutines of one AioContext ({@code QIOChannel} with
 * {@code qio_channel_yield}): a coroutine that finds nothing to read, or a full send buffer, yields until the
 * context's fd handler sees the socket ready. One coroutine reads at a time (the request receiver) and one writes at
 * a time (the holder of the send lock), so each direction has one waiter.
 *
 * <p>The socket is watched by one context at a time: the main loop during the handshake, the export's context after
 * ({@code qio_channel_attach_aio_context}). Everything here runs on that context's thread.
 */
final class ChannelIo {
    private static final int READ_AHEAD = 64 * 1024;

    private final SocketChannel channel;
    private final CoroutineScheduler scheduler;
    /**
     * Bytes read from the socket and not yet consumed: header and small payloads come from here. Direct, as the
     * socket reads into it (a heap buffer would be read through a temporary direct one and copied).
     */
    private final ByteBuffer in = ByteBuffer.allocateDirect(READ_AHEAD).flip();
    private AioContext home;
    private FdWatch watch;
    private Wakeup readWaiter;
    private Wakeup writeWaiter;
    private boolean closed;
    /** While set, a read waiting for the first byte of a message gives up ({@link IdleReadStopped}). */
    private boolean idleReadsStopped;
    /** The read waiter has consumed nothing of its message yet: stopping it loses no byte. */
    private boolean idleWaiter;

    ChannelIo(SocketChannel channel, CoroutineScheduler scheduler) {
        this.channel = channel;
        this.scheduler = scheduler;
    }

    /** Watches the socket from {@code ctx}, the calling thread's context. */
    void attach(AioContext ctx) {
        home = ctx;
        if (!closed) {
            watch = ctx.watch(channel, null, null);
            // A coroutine already waiting (it began before the socket moved) is watched for from here on.
            interest();
        }
    }

    /** Stops watching from the current context, before the socket moves to another one. */
    void detach() {
        if (watch != null) {
            watch.remove();
            watch = null;
        }
        home = null;
    }

    AioContext home() {
        return home;
    }

    /**
     * Fills {@code dst}. Returns false when the peer closed the connection before the first byte and {@code eofOk};
     * an end in the middle is an {@link EOFException}.
     */
    @CoroutineFn
    boolean readFully(ByteBuffer dst, boolean eofOk) throws IOException {
        boolean partial = false;
        while (dst.hasRemaining()) {
            if (in.hasRemaining()) {
                int n = Math.min(in.remaining(), dst.remaining());
                dst.put(dst.position(), in, in.position(), n).position(dst.position() + n);
                in.position(in.position() + n);
                partial = true;
                continue;
            }
            // Large payloads go straight into their buffer; small reads fill the read-ahead.
            int n = dst.remaining() >= READ_AHEAD ? channel.read(dst) : fill();
            if (n < 0) {
                if (!partial && eofOk) {
                    return false;
                }
                throw new EOFException("the client closed the connection in the middle of a message");
            }
            if (n == 0) {
                boolean idle = !partial && eofOk;
                if (idle && idleReadsStopped) {
                    throw new IdleReadStopped();
                }
                idleWaiter = idle;
                try {
                    awaitReadable();
                } finally {
                    idleWaiter = false;
                }
                if (idle && idleReadsStopped && !in.hasRemaining()) {
                    throw new IdleReadStopped();
                }
            } else {
                partial = true;
            }
        }
        return true;
    }

    /**
     * {@code client->quiescing} as {@code nbd_read_eof} sees it: while stopped, a read waiting for the first byte of
     * the next message is woken and gives up, and such a read gives up at once; a message already begun is read to
     * its end. Home thread only.
     */
    void stopIdleReads(boolean stop) {
        idleReadsStopped = stop;
        if (stop && idleWaiter) {
            readable();
        }
    }

    /** The read of a message that had not begun was stopped ({@link #stopIdleReads}); no byte was consumed. */
    static final class IdleReadStopped extends IOException {
        private static final long serialVersionUID = 1L;

        IdleReadStopped() {
            super("idle read stopped");
        }
    }

    /** Reads and drops {@code n} bytes ({@code nbd_drop}). */
    @CoroutineFn
    void skip(long n) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(n, READ_AHEAD));
        for (long left = n; left > 0; left -= scratch.limit()) {
            readFully(scratch.clear().limit((int) Math.min(left, scratch.capacity())), false);
        }
    }

    private int fill() throws IOException {
        requireOpen();
        in.clear();
        try {
            return channel.read(in);
        } finally {
            in.flip();
        }
    }

    @CoroutineFn
    private void awaitReadable() throws IOException {
        requireOpen();
        readWaiter = scheduler.self();
        interest();
        scheduler.yieldNow();
        requireOpen();
    }

    /** Writes every part; the caller holds the connection's send lock. */
    @CoroutineFn
    void write(ByteBuffer... parts) throws IOException {
        while (anyRemaining(parts)) {
            requireOpen();
            if (channel.write(parts) == 0) {
                writeWaiter = scheduler.self();
                interest();
                scheduler.yieldNow();
            }
        }
    }

    private static boolean anyRemaining(ByteBuffer[] parts) {
        for (ByteBuffer b : parts) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** The fd handler's interest follows the waiters: nobody waiting, nothing watched. */
    private void interest() {
        if (watch != null) {
            watch.set(readWaiter == null ? null : this::readable, writeWaiter == null ? null : this::writable);
        }
    }

    private void readable() {
        Wakeup w = readWaiter;
        readWaiter = null;
        interest();
        if (w != null) {
            w.wake();
        }
    }

    private void writable() {
        Wakeup w = writeWaiter;
        writeWaiter = null;
        interest();
        if (w != null) {
            w.wake();
        }
    }

    private void requireOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Closes the socket ({@code qio_channel_shutdown} then the last unref): coroutines waiting to read or write wake
     * and fail. Home thread only; idempotent.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        detach();
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket the peer already dropped: nothing more to release.
        }
        Wakeup r = readWaiter;
        Wakeup w = writeWaiter;
        readWaiter = null;
        writeWaiter = null;
        if (r != null) {
            r.wake();
        }
        if (w != null) {
            w.wake();
        }
    }
}
