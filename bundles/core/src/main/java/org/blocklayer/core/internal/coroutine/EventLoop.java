package org.blocklayer.core.internal.coroutine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.coroutine.ThreadPool;

/**
 * QEMU's {@code AioContext}: an event loop owned by one thread. It runs bottom halves, timers, fd handlers (an NIO
 * selector) and coroutines scheduled into it; {@link #poll(boolean)} is {@code aio_poll}. Its recursive lock is the AioContext lock of the seed change: a
 * caller outside a coroutine that waits on this context must hold it, and {@link AioWait} drops it while polling.
 */
public final class EventLoop implements AioContext {
    private final String name;
    private final Scheduler scheduler;
    private final Queue<Runnable> bottomHalves = new ConcurrentLinkedQueue<>();
    /**
     * Work that runs only between two top-level iterations of the loop, never inside a nested poll: QEMU runs
     * monitor commands in the iohandler context, which AIO_WAIT_WHILE does not poll, so one command never runs in
     * the middle of another's wait.
     */
    private final Queue<Runnable> topLevel = new ConcurrentLinkedQueue<>();
    private final AioContextLock lock = new AioContextLock();
    private final AtomicBoolean notified = new AtomicBoolean();
    private final ReaderCount graphReaders = new ReaderCount();
    /** Timers by deadline; guarded by itself because any thread may arm one. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSeq;
    private final Selector selector;
    private volatile Thread home;
    private volatile boolean stopping;
    /** When the current dispatch began (System.nanoTime), 0 while the loop waits: what the watchdog reads. */
    private volatile long busySince;

    EventLoop(String name, Scheduler scheduler) {
        this.name = name;
        this.scheduler = scheduler;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for AioContext " + name, e);
        }
    }

    /** The event loop whose home thread is the caller, or null for any other thread. */
    public static EventLoop currentOrNull() {
        return Strand.current() instanceof LoopThread t ? t.loop : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isCurrent() {
        return Strand.current() == home;
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

    /** Queues {@code work} to run at the loop's top level, after the current iteration (see {@code topLevel}). */
    public void scheduleTopLevel(Runnable work) {
        topLevel.add(work);
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
            lock.acquire();
            try {
                co.enterScheduled(this);
            } finally {
                lock.release();
            }
        });
    }

    /**
     * {@code aio_co_enter}: enters {@code co} at once when the caller is this context's thread and not itself in a
     * coroutine; otherwise schedules it here, so it runs after the current coroutine yields.
     */
    public void coEnter(Coroutine co) {
        if (isCurrent() && !Coroutine.inCoroutine()) {
            lock.acquire();
            try {
                co.enterIn(this);
            } finally {
                lock.release();
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

    /**
     * {@code aio_set_fd_handler}: calls {@code onReadable}/{@code onWritable} on this context's thread when
     * {@code channel} is ready. Home thread only; the channel must be non-blocking.
     */
    @Override
    public FdWatch watch(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
        return setFdHandler(channel, onReadable, onWritable);
    }

    @Override
    public Timer after(long delayNanos, Runnable callback) {
        return scheduleAfter(delayNanos, callback);
    }

    public FdHandler setFdHandler(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
        if (!isCurrent()) {
            throw new IllegalStateException("aio_set_fd_handler on " + this + " from " + Thread.currentThread());
        }
        FdHandler h = new FdHandler(onReadable, onWritable);
        try {
            h.key = channel.register(selector, 0, h);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + channel + " in " + this, e);
        }
        h.update();
        return h;
    }

    /** {@code aio_notify}: wakes the home thread if it sleeps in a blocking poll. */
    public void kick() {
        if (notified.compareAndSet(false, true) && Strand.current() != home) {
            // A wakeup with no select in progress makes the next select return at once: none is lost.
            selector.wakeup();
        }
    }

    /**
     * {@code aio_poll}: runs the bottom halves that are ready; when {@code blocking} and none was, sleeps until one
     * is scheduled or the context is kicked. Returns whether any work was done. Home thread only.
     */
    public boolean poll(boolean blocking) {
        busySince = System.nanoTime();
        try {
            boolean progress = runBottomHalves() | dispatchFds(false);
            while (blocking && !progress && !stopping) {
                if (notified.getAndSet(false)) {
                    // A kick is progress even with nothing queued: the waiter re-checks its condition.
                    progress = true;
                } else {
                    busySince = 0;
                    progress = dispatchFds(true);
                    busySince = System.nanoTime();
                }
                progress |= runBottomHalves();
            }
            return progress;
        } finally {
            busySince = 0;
        }
    }

    /** Runs the handlers of ready channels; with {@code block}, first waits up to the sleep budget. */
    private boolean dispatchFds(boolean block) {
        int ready;
        try {
            if (block) {
                long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(sleepBudget() + 999_999));
                ready = selector.select(millis);
            } else {
                ready = selector.keys().isEmpty() ? 0 : selector.selectNow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("select failed in " + this, e);
        }
        if (ready == 0) {
            return false;
        }
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (key.isValid() && key.attachment() instanceof FdHandler h) {
                h.dispatch(key);
            }
        }
        return true;
    }

    /** When the running dispatch began, or 0 while the loop waits (for the watchdog). */
    long busySince() {
        return busySince;
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

    private void runTopLevel() {
        for (int n = topLevel.size(); n > 0; n--) {
            Runnable work = topLevel.poll();
            if (work == null) {
                break;
            }
            work.run();
        }
    }

    /** {@code aio_context_acquire}. */
    public void acquire() {
        lock.acquire();
    }

    /** {@code aio_context_release}. */
    public void release() {
        lock.release();
    }

    /** How many times the calling thread holds this context's lock. */
    public int lockHoldCount() {
        return lock.holdCount();
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
                // A nested poll may have used up the kick that announced top-level work: never block on it.
                poll(topLevel.isEmpty());
                runTopLevel();
            } catch (Throwable t) {
                // A bottom half that throws must not take the event loop down with it.
                scheduler.reportUncaught(this, t);
            }
        }
        // Drain what was queued before the stop so no caller waits forever on work that never ran.
        runBottomHalves();
        runTopLevel();
        try {
            selector.close();
        } catch (IOException e) {
            scheduler.reportUncaught(this, e);
        }
    }

    @Override
    public String toString() {
        return "AioContext " + name;
    }

    /** A watched channel ({@code AioHandler}): its interest follows which callbacks are set. */
    public static final class FdHandler implements FdWatch {
        private volatile Runnable onReadable;
        private volatile Runnable onWritable;
        private SelectionKey key;

        private FdHandler(Runnable onReadable, Runnable onWritable) {
            this.onReadable = onReadable;
            this.onWritable = onWritable;
        }

        /** Changes the callbacks (null: not interested). Home thread only. */
        @Override
        public void set(Runnable readable, Runnable writable) {
            this.onReadable = readable;
            this.onWritable = writable;
            update();
        }

        /** Stops watching the channel ({@code aio_set_fd_handler(..., NULL, NULL)}). */
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
            Runnable r = onReadable;
            if (r != null && (k.isReadable() || k.isAcceptable())) {
                r.run();
            }
            Runnable w = onWritable;
            if (w != null && k.isValid() && k.isWritable()) {
                w.run();
            }
        }
    }

    /** An armed timer ({@code QEMUTimer}); cancelling one that already fired does nothing. */
    public static final class Timer implements Comparable<Timer>, org.blocklayer.api.coroutine.Timer {
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
        @Override
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
