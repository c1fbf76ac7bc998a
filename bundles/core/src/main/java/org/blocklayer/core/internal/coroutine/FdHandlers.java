package org.blocklayer.core.internal.coroutine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.coroutine.FdWatch;

/**
 * One context's fd handlers and the monitor that waits for them (util/aio-posix.c: {@code aio_set_fd_handler},
 * {@code AioHandler}, {@code aio_dispatch_ready_handlers}, and fdmon's {@code wait}), over an NIO selector. Only the
 * context's thread adds, changes or dispatches handlers; any thread may {@link #wakeup()} a wait.
 */
final class FdHandlers {
    private final Selector selector;
    private final String owner;

    /** {@code owner} names the context in errors. */
    FdHandlers(String owner) {
        this.owner = owner;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for " + owner, e);
        }
    }

    /** {@code aio_set_fd_handler}: watches a non-blocking {@code channel} for the callbacks that are not null. */
    FdWatch add(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
        Handler h = new Handler(onReadable, onWritable);
        try {
            try {
                h.key = channel.register(selector, 0, h);
            } catch (java.nio.channels.CancelledKeyException stale) {
                // Watched here before and removed since, with no select in between to let go of the cancelled key
                // (a channel that left this context and came back at once): a select without waiting does, then
                // the channel registers anew. Keys it finds ready stay selected for the next poll.
                selector.selectNow();
                h.key = channel.register(selector, 0, h);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + channel + " in " + owner, e);
        }
        h.update();
        return h;
    }

    /**
     * Waits up to {@code timeoutNanos} (0: not at all) for a watched channel to be ready, then runs the handlers of
     * those that are; returns whether any was. A {@link #wakeup()} ends the wait early.
     */
    boolean poll(long timeoutNanos) {
        int ready;
        try {
            if (timeoutNanos > 0) {
                // Rounded up: a timer due in 0.3 ms must not become select(0), which waits with no limit.
                ready = selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999)));
            } else {
                ready = selector.keys().isEmpty() ? 0 : selector.selectNow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("select failed in " + owner, e);
        }
        if (ready == 0 && selector.selectedKeys().isEmpty()) {
            return false;
        }
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (key.isValid() && key.attachment() instanceof Handler h) {
                h.dispatch(key);
            }
        }
        return true;
    }

    /**
     * {@code aio_notify}'s write to the event notifier: ends a wait in progress, or makes the next one return at
     * once, so no wakeup is lost.
     */
    void wakeup() {
        selector.wakeup();
    }

    /** Drops every handler; the context is gone. */
    void close() throws IOException {
        selector.close();
    }

    /** A watched channel ({@code AioHandler}): its interest follows which callbacks are set. */
    private static final class Handler implements FdWatch {
        private volatile Runnable onReadable;
        private volatile Runnable onWritable;
        private SelectionKey key;

        private Handler(Runnable onReadable, Runnable onWritable) {
            this.onReadable = onReadable;
            this.onWritable = onWritable;
        }

        @Override
        public void set(Runnable readable, Runnable writable) {
            this.onReadable = readable;
            this.onWritable = writable;
            update();
        }

        @Override
        public void remove() {
            key.cancel();
        }

        private void update() {
            if (key.isValid()) {
                // POLLIN, as QEMU watches fds: data to read, or on a listening socket a connection to accept.
                int in = key.channel().validOps() & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
                key.interestOps((onReadable != null ? in : 0) | (onWritable != null ? SelectionKey.OP_WRITE : 0));
            }
        }

        private void dispatch(SelectionKey k) {
            int ready;
            try {
                ready = k.readyOps();
            } catch (java.nio.channels.CancelledKeyException e) {
                return; // removed by another thread since the select: its callbacks are no longer wanted
            }
            Runnable r = onReadable;
            if (r != null && (ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
                r.run();
            }
            Runnable w = onWritable;
            if (w != null && k.isValid() && (ready & SelectionKey.OP_WRITE) != 0) {
                w.run();
            }
        }
    }
}
