package org.blocklayer.driver.nbd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Blocking I/O with a deadline on a channel that stays non-blocking: the handshake waits on a selector of its own
 * instead of switching the channel to blocking mode (a unix socket has no SO_TIMEOUT, and the channel must be
 * non-blocking afterwards for the AioContext). Used by the calling thread only: the main loop during open, a worker
 * thread during a reconnection, never a context's thread inside a coroutine.
 */
final class SocketIo implements HandshakeIo, AutoCloseable {
    private final SocketChannel channel;
    private final long deadline;
    private final Selector selector;

    SocketIo(SocketChannel channel, long deadlineNanos) throws IOException {
        this.channel = channel;
        this.deadline = deadlineNanos;
        this.selector = Selector.open();
    }

    /** Waits for a non-blocking connect to finish. */
    void finishConnect() throws IOException {
        while (!channel.finishConnect()) {
            await(SelectionKey.OP_CONNECT);
        }
    }

    @Override
    public void write(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE);
            }
        }
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf);
            if (n < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ);
            }
        }
    }

    private void await(int op) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("timed out");
        }
        SelectionKey key = channel.register(selector, op);
        try {
            selector.select(Math.max(1, (left + 999_999) / 1_000_000));
            selector.selectedKeys().clear();
        } finally {
            key.interestOps(0);
        }
    }

    /** Deregisters the channel from the private selector; the channel itself stays open. */
    @Override
    public void close() throws IOException {
        selector.close();
    }
}
