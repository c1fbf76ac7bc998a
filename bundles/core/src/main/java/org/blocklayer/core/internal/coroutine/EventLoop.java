package org.blocklayer.core.internal.coroutine;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.coroutine.PollHandler;
import org.blocklayer.api.coroutine.ThreadPool;
import org.blocklayer.api.coroutine.Timer;

/**
 * QEMU's {@code AioContext}: an event loop owned by one thread, which wires its {@link BottomHalves},
 * {@link TimerList} and {@link FdHandlers} together and enters the coroutines scheduled into it;
 * {@link #poll(boolean)} is {@code aio_poll}. Its recursive lock is the AioContext lock of the seed change: a caller
 * outside a coroutine that waits on this context must hold it, and {@link AioWait} drops it while polling.
 */
public final class EventLoop implements AioContext {
    /** The longest a blocking poll sleeps when no timer is due sooner. */
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String name;
    private final Scheduler scheduler;
    private final BottomHalves bottomHalves = new BottomHalves();
    /**
     * Work that runs only between two top-level iterations of the loop, never inside a nested poll: QEMU runs
     * monitor commands in the iohandler context, which AIO_WAIT_WHILE does not poll, so one command never runs in
     * the middle of another's wait.
     */
    private final BottomHalves topLevel = new BottomHalves();
    private final TimerList timers = new TimerList(System::nanoTime);
    private final FdHandlers fds;
    private final PollHandlers pollHandlers = new PollHandlers();
    private final AioContextLock lock = new AioContextLock();
    private final AtomicBoolean notified = new AtomicBoolean();
    private final ReaderCount graphReaders = new ReaderCount();
    private volatile LoopThread home;
    private volatile boolean stopping;
    /** When the current dispatch began (System.nanoTime), 0 while the loop waits: what the watchdog reads. */
    private volatile long busySince;

    EventLoop(String name, Scheduler scheduler) {
        this.name = name;
        this.scheduler = scheduler;
        this.fds = new FdHandlers("AioContext " + name);
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

    @Override
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
        bottomHalves.schedule(bottomHalf);
        kick();
    }

    /** Queues {@code work} to run at the loop's top level, after the current iteration (see {@code topLevel}). */
    public void scheduleTopLevel(Runnable work) {
        topLevel.schedule(work);
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

    /** {@code aio_set_fd_handler}; home thread only, and the channel must be non-blocking. */
    @Override
    public FdWatch watch(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
        requireHome("aio_set_fd_handler");
        return fds.add(channel, onReadable, onWritable);
    }

    /** {@code aio_timer_new} + {@code timer_mod}, from any thread: the loop wakes to recompute its sleep. */
    @Override
    public Timer after(long delayNanos, Runnable callback) {
        Timer t = timers.arm(delayNanos, callback);
        kick();
        return t;
    }

    /** Polled in every iteration ({@code aio_set_fd_handler}'s {@code io_poll}); home thread only. */
    @Override
    public void addPollHandler(PollHandler handler) {
        requireHome("addPollHandler");
        pollHandlers.add(handler);
    }

    @Override
    public void removePollHandler(PollHandler handler) {
        requireHome("removePollHandler");
        pollHandlers.remove(handler);
    }

    private void requireHome(String what) {
        if (!isCurrent()) {
            throw new IllegalStateException(what + " on " + this + " from " + Thread.currentThread());
        }
    }

    /** {@code aio_notify}: wakes the home thread if it sleeps in a blocking poll. */
    public void kick() {
        if (notified.compareAndSet(false, true) && Strand.current() != home) {
            fds.wakeup();
        }
    }

    /**
     * {@code aio_poll}: runs the expired timers, the bottom halves, the ready fd handlers and the poll handlers;
     * when {@code blocking} and none did anything, sleeps until one is due or the context is kicked. Returns whether
     * any work was done. Home thread only.
     */
    public boolean poll(boolean blocking) {
        busySince = System.nanoTime();
        try {
            boolean progress = runTimersAndBottomHalves() | fds.poll(0) | pollHandlers.poll();
            while (blocking && !progress && !stopping) {
                if (notifyAccept()) {
                    // A kick is progress even with nothing queued: the waiter re-checks its condition.
                    progress = true;
                } else if (pollHandlers.prepareSleep()) {
                    busySince = 0;
                    progress = fds.poll(timers.deadlineNanos(MAX_SLEEP_NANOS));
                    busySince = System.nanoTime();
                    pollHandlers.wokeUp();
                }
                progress |= runTimersAndBottomHalves() | pollHandlers.poll();
            }
            return progress;
        } finally {
            busySince = 0;
        }
    }

    /** {@code aio_notify_accept}: takes the pending {@link #kick()}, if any; true when there was one. */
    public boolean notifyAccept() {
        return notified.getAndSet(false);
    }

    private boolean runTimersAndBottomHalves() {
        return timers.runExpired() | bottomHalves.poll();
    }

    /** When the running dispatch began, or 0 while the loop waits (for the watchdog). */
    long busySince() {
        return busySince;
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
        // Known as home before it runs: its first bottom half may already ask isCurrent().
        home = t;
        t.start();
    }

    /** Stops the home thread once it has run what was queued; waits for it, bounded, unless called from it. */
    void stop() {
        stopping = true;
        kick();
        LoopThread t = home;
        if (t != null) {
            t.awaitEnd();
        }
    }

    Thread home() {
        return home;
    }

    boolean stopping() {
        return stopping;
    }

    /** One top-level iteration of {@code iothread_run}: a poll, then the work queued for the top level. */
    void iterate() {
        // A nested poll may have used up the kick that announced top-level work: never block on it.
        poll(topLevel.isEmpty());
        topLevel.poll();
    }

    /** After the last iteration: runs what was queued before the stop, so no caller waits forever on it. */
    void finish() {
        runTimersAndBottomHalves();
        topLevel.poll();
        pollHandlers.contextEnded(scheduler, this);
        try {
            fds.close();
        } catch (IOException e) {
            scheduler.reportUncaught(this, e);
        }
    }

    @Override
    public String toString() {
        return "AioContext " + name;
    }
}
