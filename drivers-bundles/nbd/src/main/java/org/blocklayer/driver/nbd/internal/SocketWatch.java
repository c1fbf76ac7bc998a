package org.blocklayer.driver.nbd.internal;

import java.nio.channels.SelectableChannel;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.FdWatch;

/**
 * Which AioContext watches a connection's socket ({@code qio_channel_attach_aio_context},
 * {@code qio_channel_detach_aio_context}): one at a time, the node's. The node's moves reach it through the driver's
 * AioContext callbacks: {@link #detach} removes the fd handler in the old context's thread before the move,
 * {@link #attach} registers one in the new context's thread after it. Between the two the node is drained, so
 * nothing is lost while no context watches.
 *
 * <p>The fd handler is touched only in the attached context's thread. The one attach from another thread, at open
 * (the main loop opens a node that lives in an iothread), registers from a bottom half of that context.
 */
final class SocketWatch {
    private final SelectableChannel channel;
    private final Runnable onReadable;
    private final Runnable onWritable;
    private volatile AioContext context;
    private FdWatch watch;
    private boolean wantWrite;

    /**
     * @param onReadable called in the attached context's thread while the socket is readable
     * @param onWritable called there once the socket is writable, after {@link #wantWritable()}
     */
    SocketWatch(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
        this.channel = channel;
        this.onReadable = onReadable;
        this.onWritable = onWritable;
    }

    /** The context that watches the socket, or null while detached. */
    AioContext context() {
        return context;
    }

    /** Watches the socket from {@code ctx}: at once in its thread, else from a bottom half there. */
    void attach(AioContext ctx) {
        context = ctx;
        if (ctx.isCurrent()) {
            register(ctx);
        } else {
            ctx.schedule(() -> register(ctx));
        }
    }

    private void register(AioContext ctx) {
        if (context != ctx || watch != null || !channel.isOpen()) {
            // Detached again before this bottom half ran, or closed meanwhile: nothing to watch from here.
            return;
        }
        try {
            watch = ctx.watch(channel, onReadable, wantWrite ? this::writable : null);
        } catch (RuntimeException e) {
            if (channel.isOpen()) {
                throw e;
            }
            // Closed between the check and the registration: the connection is over anyway.
        }
    }

    /** Stops watching; in the attached context's thread. */
    void detach() {
        FdWatch w = watch;
        watch = null;
        context = null;
        if (w != null) {
            w.remove();
        }
    }

    /** Calls back once the socket is writable (a sender found its buffer full). */
    void wantWritable() {
        wantWrite = true;
        if (watch != null) {
            watch.set(onReadable, this::writable);
        }
    }

    private void writable() {
        wantWrite = false;
        watch.set(onReadable, null);
        onWritable.run();
    }
}
