package org.blocklayer.core.internal.graph;

import org.blocklayer.api.coroutine.Timer;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * The clock X2's wait for a driver reads, {@code QEMU_CLOCK_REALTIME} as QEMU's timers read it: the time now and a
 * timer on a context. The graph's is the system's; a test gives one it moves by hand, so a deadline is proven
 * without waiting for it.
 */
interface WaitClock {
    /** {@code System.nanoTime()} and the context's own timers. */
    WaitClock SYSTEM = new WaitClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Timer after(EventLoop ctx, long delayNanos, Runnable callback) {
            return ctx.after(delayNanos, callback);
        }
    };

    /** Nanoseconds on a monotonic clock; compare two by their difference, as it wraps. */
    long nanoTime();

    /** {@code aio_timer_new} + {@code timer_mod}: {@code callback} runs in {@code ctx} once the delay has passed. */
    Timer after(EventLoop ctx, long delayNanos, Runnable callback);
}
