package org.blocklayer.core.internal.coroutine;

import java.util.concurrent.TimeUnit;

/**
 * The home thread of one event loop ({@code IOThread}'s thread, {@code iothread_run}): top-level iterations until
 * the loop stops. A bottom half that throws is reported and the loop goes on.
 */
final class LoopThread extends Thread {
    final EventLoop loop;

    LoopThread(EventLoop loop) {
        super("blocklayer-" + loop.name());
        this.loop = loop;
    }

    @Override
    public void run() {
        while (!loop.stopping()) {
            try {
                loop.iterate();
            } catch (Throwable t) {
                loop.scheduler().reportUncaught(loop, t);
            }
        }
        loop.finish();
    }

    /** {@code iothread_stop}'s join, bounded; a stop asked from this thread itself cannot wait for its end. */
    void awaitEnd() {
        if (this == Thread.currentThread()) {
            return;
        }
        try {
            join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
