package org.blocklayer.driver.nbd.internal;

import java.nio.channels.SelectableChannel;
import java.util.function.Supplier;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.FdWatch;

/**
 * Which AioContext watches a connection's socket ({@code qio_channel_attach_aio_context} /
 * {@code qio_channel_detach_aio_context}). One context at a time: the node's. The SPI has no callback for a node
 * moving to another context, so the move is noticed lazily: the next request, running in the new context,
 * {@link #attach attaches} there and drops the old watch in the old context's thread; until then a readiness
 * callback in the old context sees that the node has left and stops listening without touching anything.
 */
final class SocketWatch {
    private final SelectableChannel channel;
    private final Supplier<AioContext> owner;
    private final Runnable onReadable;
    private final Runnable onWritable;
    private volatile AioContext home;
    private FdWatch watch;
    private Runnable readHandler;

    /**
     * @param owner      the node's current context
     * @param onReadable called in the home context's thread while the socket is readable
     * @param onWritable called in the home context's thread once the socket is writable, after
     *                   {@link #wantWritable()}
     */
    SocketWatch(SelectableChannel channel, Supplier<AioContext> owner, Runnable onReadable, Runnable onWritable) {
        this.channel = channel;
        this.owner = owner;
        this.onReadable = onReadable;
        this.onWritable = onWritable;
    }

    AioContext home() {
        return home;
    }

    /** Watches the socket from {@code ctx}, the caller's context. Throws when the channel cannot be registered. */
    void attach(AioContext ctx) {
        if (ctx == home) {
            return;
        }
        AioContext old = home;
        FdWatch oldWatch = watch;
        FdWatch[] self = new FdWatch[1];
        Runnable handler = () -> readable(ctx, self[0]);
        self[0] = ctx.watch(channel, handler, null);
        watch = self[0];
        readHandler = handler;
        home = ctx;
        if (oldWatch != null) {
            if (old.isCurrent()) {
                oldWatch.remove();
            } else {
                old.schedule(oldWatch::remove);
            }
        }
    }

    private void readable(AioContext ctx, FdWatch self) {
        if (ctx != home || owner.get() != ctx) {
            self.set(null, null);
            return;
        }
        onReadable.run();
    }

    /** Calls back once the socket is writable (a sender found its buffer full). */
    void wantWritable() {
        watch.set(readHandler, this::writable);
    }

    private void writable() {
        watch.set(readHandler, null);
        onWritable.run();
    }
}
