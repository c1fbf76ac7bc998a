package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.coroutine.Timer;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * A {@link WaitClock} the test moves: time stands still until {@link #advance}, which runs the timers it makes due in
 * their contexts, as a loop runs its expired timers. Starts far from 0, so a deadline added where it should be
 * subtracted shows.
 */
final class ManualWaitClock implements WaitClock {
    private long now = 1_000_000_000L;
    private final List<Armed> armed = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Timer after(EventLoop ctx, long delayNanos, Runnable callback) {
        Armed t = new Armed(ctx, now + delayNanos, callback);
        armed.add(t);
        return t;
    }

    /** Moves the clock on; the timers now due and not cancelled run, each in its context. */
    void advance(long nanos) {
        List<Armed> due = new ArrayList<>();
        synchronized (this) {
            now += nanos;
            for (Armed t : List.copyOf(armed)) {
                if (t.deadline - now <= 0) {
                    armed.remove(t);
                    if (!t.cancelled) {
                        due.add(t);
                    }
                }
            }
        }
        due.forEach(t -> t.ctx.schedule(t.callback));
    }

    /** Timers armed and neither run nor cancelled. */
    synchronized long pending() {
        return armed.stream().filter(t -> !t.cancelled).count();
    }

    private static final class Armed implements Timer {
        private final EventLoop ctx;
        private final long deadline;
        private final Runnable callback;
        private volatile boolean cancelled;

        Armed(EventLoop ctx, long deadline, Runnable callback) {
            this.ctx = ctx;
            this.deadline = deadline;
            this.callback = callback;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
