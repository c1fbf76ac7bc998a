package org.blocklayer.core.internal.coroutine;

import java.util.Arrays;

import org.blocklayer.api.coroutine.PollHandler;

/**
 * One context's {@link PollHandler}s (util/aio-posix.c's {@code io_poll} handlers with their {@code io_poll_begin}
 * and {@code io_poll_end}). Home thread only; a handler may add or remove handlers while it is polled, so each pass
 * walks the array it started with.
 */
final class PollHandlers {
    private PollHandler[] handlers = new PollHandler[0];

    void add(PollHandler h) {
        PollHandler[] a = Arrays.copyOf(handlers, handlers.length + 1);
        a[handlers.length] = h;
        handlers = a;
    }

    void remove(PollHandler h) {
        PollHandler[] a = handlers;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == h) {
                PollHandler[] b = new PollHandler[a.length - 1];
                System.arraycopy(a, 0, b, 0, i);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                handlers = b;
                return;
            }
        }
    }

    /** Polls every handler; true when any handled something. */
    boolean poll() {
        boolean progress = false;
        for (PollHandler h : handlers) {
            progress |= h.poll();
        }
        return progress;
    }

    /**
     * Arms every handler before a sleep; false (all disarmed again) when one has work already, so the loop must not
     * sleep.
     */
    boolean prepareSleep() {
        PollHandler[] a = handlers;
        for (int i = 0; i < a.length; i++) {
            if (!a[i].prepareSleep()) {
                for (int j = 0; j <= i; j++) {
                    a[j].wokeUp();
                }
                return false;
            }
        }
        return true;
    }

    void wokeUp() {
        for (PollHandler h : handlers) {
            h.wokeUp();
        }
    }

    /** The context ends: each handler lets go of what it holds, and none is polled again. */
    void contextEnded(Scheduler scheduler, EventLoop ctx) {
        PollHandler[] a = handlers;
        handlers = new PollHandler[0];
        for (PollHandler h : a) {
            try {
                h.contextEnded();
            } catch (RuntimeException e) {
                scheduler.reportUncaught(ctx, e);
            }
        }
    }
}
