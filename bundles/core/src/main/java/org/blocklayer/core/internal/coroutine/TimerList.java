package org.blocklayer.core.internal.coroutine;

import java.util.PriorityQueue;
import java.util.function.LongSupplier;

import org.blocklayer.api.coroutine.Timer;

/**
 * One context's armed timers by deadline ({@code QEMUTimerList}): {@code timer_mod} arms one from any thread,
 * {@code timerlist_run_timers} runs the expired ones on the context's thread, {@code timerlist_deadline_ns} says how
 * long the loop may sleep.
 */
final class TimerList {
    private final LongSupplier clock;
    /** Guarded by itself: any thread may arm a timer while the context's thread runs them. */
    private final PriorityQueue<Armed> armed = new PriorityQueue<>();
    private long seq;

    /** Timers on {@code clock}, a monotonic nanosecond clock ({@code QEMU_CLOCK_REALTIME}: System::nanoTime). */
    TimerList(LongSupplier clock) {
        this.clock = clock;
    }

    /** {@code timer_new_ns} + {@code timer_mod}: {@code callback} runs once {@code delayNanos} have passed. */
    Timer arm(long delayNanos, Runnable callback) {
        synchronized (armed) {
            Armed t = new Armed(clock.getAsLong() + Math.max(0, delayNanos), seq++, callback);
            armed.add(t);
            return t;
        }
    }

    /**
     * {@code timerlist_run_timers}: runs every timer whose deadline has passed, earliest first, and returns whether
     * one ran. A callback runs outside the list's lock, so it may arm another.
     */
    boolean runExpired() {
        boolean progress = false;
        long now = clock.getAsLong();
        for (;;) {
            Armed due;
            synchronized (armed) {
                due = armed.peek();
                if (due == null || due.deadline - now > 0) {
                    return progress;
                }
                armed.poll();
            }
            if (!due.cancelled) {
                progress = true;
                due.callback.run();
            }
        }
    }

    /**
     * {@code timerlist_deadline_ns}, capped: nanoseconds until the earliest timer is due, at least 1 (a due timer
     * still asks for a poll that returns at once), at most {@code maxNanos} when none is armed sooner.
     */
    long deadlineNanos(long maxNanos) {
        synchronized (armed) {
            Armed next = armed.peek();
            return next == null ? maxNanos : Math.max(1, Math.min(maxNanos, next.deadline - clock.getAsLong()));
        }
    }

    /** An armed timer ({@code QEMUTimer}); cancelling one that already fired does nothing. */
    private static final class Armed implements Comparable<Armed>, Timer {
        private final long deadline;
        private final long seq;
        private final Runnable callback;
        private volatile boolean cancelled;

        private Armed(long deadline, long seq, Runnable callback) {
            this.deadline = deadline;
            this.seq = seq;
            this.callback = callback;
        }

        /** {@code timer_del}. */
        @Override
        public void cancel() {
            cancelled = true;
        }

        /** Earlier deadline first (compared by difference, as nanoTime wraps); equal ones in arming order. */
        @Override
        public int compareTo(Armed o) {
            int c = Long.compare(deadline - o.deadline, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
