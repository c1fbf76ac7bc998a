package org.blocklayer.core.internal.coroutine;

import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.ThreadPool;

/**
 * QEMU's {@code AioContext}: an event loop owned by one thread. It runs bottom halves and coroutines scheduled into
 * it; {@link #poll(boolean)} is {@code aio_poll}. Its recursive lock is the AioContext lock of the seed change: a
 * caller outside a coroutine that waits on this context must hold it, and {@link AioWait} drops it while polling.
 */
public final class EventLoop implements AioContext {
    private final String name;
    private final Scheduler scheduler;
    private final Queue<Runnable> bottomHalves = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean notified = new AtomicBoolean();
    private final ReaderCount graphReaders = new ReaderCount();
    /** Timers by deadline; guarded by itself because any thread may arm one. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSeq;
    private volatile Thread home;
    private volatile boolean stopping;

    EventLoop(String name, Scheduler scheduler) {
        this.name = name;
        this.scheduler = scheduler;
    }

    /** The event loop whose home thread is the caller, or null for any other thread. */
    public static EventLoop currentOrNull() {
        return Thread.currentThread() instanceof LoopThread t ? t.loop : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isCurrent() {
        return Thread.currentThread() == home;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** This context's share of the graph lock's reader count ({@code ctx->bdrv_graph}). */
    public ReaderCount graphReaders() {
        return graphReaders;
    }

    @Override
    public ThreadPool threadPool() {
        return scheduler.workers();
    }

    @Override
    public void schedule(Runnable bottomHalf) {
        bottomHalves.add(bottomHalf);
        kick();
    }

    /**
     * {@code aio_co_schedule}: enters {@code co} from a bottom half of this context, taking the context lock as
     * QEMU's {@code co_schedule_bh_cb} does. Scheduling a coroutine twice aborts (B40).
     */
    public void scheduleCoroutine(Coroutine co) {
        if (!co.markScheduled()) {
            throw new IllegalStateException("Co-routine was already scheduled in '" + name + "'");
        }
        schedule(() -> {
            lock.lock();
            try {
                co.enterScheduled(this);
            } finally {
                lock.unlock();
            }
        });
    }

    /**
     * {@code aio_co_enter}: enters {@code co} at once when the caller is this context's thread and not itself in a
     * coroutine; otherwise schedules it here, so it runs after the current coroutine yields.
     */
    public void coEnter(Coroutine co) {
        if (isCurrent() && !Coroutine.inCoroutine()) {
            lock.lock();
            try {
                co.enterIn(this);
            } finally {
                lock.unlock();
            }
        } else {
            scheduleCoroutine(co);
        }
    }

    /** {@code aio_co_wake}: re-enters a coroutine that yielded in this context. */
    public void wake(Coroutine co) {
        coEnter(co);
    }

    /**
     * {@code aio_timer_new} + {@code timer_mod}: runs {@code callback} on this context's thread once
     * {@code delayNanos} have passed. Returns the timer, which {@link Timer#cancel()} disarms.
     */
    public Timer scheduleAfter(long delayNanos, Runnable callback) {
        Timer t;
        synchronized (timers) {
            t = new Timer(System.nanoTime() + Math.max(0, delayNanos), timerSeq++, callback);
            timers.add(t);
        }
        kick();
        return t;
    }

    /** {@code aio_notify}: wakes the home thread if it sleeps in a blocking poll. */
    public void kick() {
        if (notified.compareAndSet(false, true)) {
            Thread t = home;
            if (t != null && t != Thread.currentThread()) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * {@code aio_poll}: runs the bottom halves that are ready; when {@code blocking} and none was, sleeps until one
     * is scheduled or the context is kicked. Returns whether any work was done. Home thread only.
     */
    public boolean poll(boolean blocking) {
        boolean progress = runBottomHalves();
        while (blocking && !progress && !stopping) {
            if (notified.getAndSet(false)) {
                // A kick is progress even with nothing queued: the waiter re-checks its condition (aio_wait_kick).
                progress = true;
            } else {
                LockSupport.parkNanos(this, sleepBudget());
            }
            progress |= runBottomHalves();
        }
        return progress;
    }

    /** How long a blocking poll may sleep: until the next timer, at most 100 ms. */
    private long sleepBudget() {
        long max = TimeUnit.MILLISECONDS.toNanos(100);
        synchronized (timers) {
            Timer next = timers.peek();
            return next == null ? max : Math.max(1, Math.min(max, next.deadline - System.nanoTime()));
        }
    }

    private boolean runTimers() {
        boolean progress = false;
        long now = System.nanoTime();
        for (;;) {
            Timer due;
            synchronized (timers) {
                due = timers.peek();
                if (due == null || due.deadline > now) {
                    return progress;
                }
                timers.poll();
            }
            if (!due.cancelled) {
                progress = true;
                due.callback.run();
            }
        }
    }

    private boolean runBottomHalves() {
        boolean progress = runTimers();
        // Run only what was queued when we started, so a bottom half that re-schedules itself cannot starve I/O.
        for (int n = bottomHalves.size(); n > 0; n--) {
            Runnable bh = bottomHalves.poll();
            if (bh == null) {
                break;
            }
            progress = true;
            bh.run();
        }
        return progress;
    }

    /** {@code aio_context_acquire}. */
    public void acquire() {
        lock.lock();
    }

    /** {@code aio_context_release}. */
    public void release() {
        lock.unlock();
    }

    /** How many times the calling thread holds this context's lock. */
    public int lockHoldCount() {
        return lock.getHoldCount();
    }

    /** Starts the home thread, which polls until {@link #stop()}. */
    void start(boolean daemon) {
        LoopThread t = new LoopThread(this);
        t.setDaemon(daemon);
        home = t;
        t.start();
    }

    void stop() {
        stopping = true;
        kick();
        Thread t = home;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    Thread home() {
        return home;
    }

    private void loop() {
        while (!stopping) {
            try {
                poll(true);
            } catch (Throwable t) {
                // A bottom half that throws must not take the event loop down with it.
                scheduler.reportUncaught(this, t);
            }
        }
        // Drain what was queued before the stop so no caller waits forever on a bottom half that never ran.
        runBottomHalves();
    }

    @Override
    public String toString() {
        return "AioContext " + name;
    }

    /** An armed timer ({@code QEMUTimer}); cancelling one that already fired does nothing. */
    public static final class Timer implements Comparable<Timer> {
        private final long deadline;
        private final long seq;
        private final Runnable callback;
        private volatile boolean cancelled;

        private Timer(long deadline, long seq, Runnable callback) {
            this.deadline = deadline;
            this.seq = seq;
            this.callback = callback;
        }

        /** {@code timer_del}. */
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline - o.deadline, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** The home thread of an event loop. */
    static final class LoopThread extends Thread {
        final EventLoop loop;

        LoopThread(EventLoop loop) {
            super("blocklayer-" + loop.name);
            this.loop = loop;
        }

        @Override
        public void run() {
            loop.loop();
        }
    }
}
