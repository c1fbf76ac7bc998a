package org.blocklayer.core.internal.lock;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.blocklayer.core.internal.coroutine.EventLoops;
import org.blocklayer.core.internal.coroutine.ReaderCount;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The graph reader/writer lock ({@code block/graph-lock.c}).
 *
 * <p>Protocol. A reader adds one to its context's count, then reads {@code hasWriter}; a writer sets
 * {@code hasWriter}, then sums the counts. Both steps are full fences, so at least one side sees the other. A reader
 * that sees a writer takes its count back, wakes the writer and parks on the reader queue until {@link #wrunlock}.
 * The writer clears {@code hasWriter} while it polls, so callbacks that run during its wait can still read-lock
 * (B34), and re-checks after setting it again. Unlike QEMU, every unlock while a writer waits kicks the main loop,
 * whether or not {@code hasWriter} is set at that moment, so no wakeup falls into the poll window (B36).
 */
@Component(service = {GraphLock.class, DrainingGraphLock.class})
public final class GraphRwLock implements DrainingGraphLock {
    private final EventLoops scheduler;
    private final Object queueLock = new Object();
    private final List<Coroutine> readerQueue = new ArrayList<>();
    private volatile boolean hasWriter;
    /** True from the start of {@link #wrlock} until {@link #wrunlock}: the writer may be polling for readers. */
    private volatile boolean writerWaiting;
    private Runnable drainAllBegin = () -> { };
    private Runnable drainAllEnd = () -> { };

    @Activate
    public GraphRwLock(@Reference EventLoops scheduler) {
        this.scheduler = scheduler;
    }

    /** Lets the graph plug in {@code bdrv_drain_all_begin_nopoll} / {@code _end} around a write lock. */
    @Override
    public void setDrainHooks(Runnable begin, Runnable end) {
        this.drainAllBegin = begin;
        this.drainAllEnd = end;
    }

    @Override
    @CoroutineFn
    public Reader coRdlock() {
        Coroutine self = Coroutine.current();
        if (self == null) {
            throw new IllegalStateException("bdrv_graph_co_rdlock outside a coroutine");
        }
        for (;;) {
            ReaderCount count = countHere();
            count.add(1);
            if (!hasWriter) {
                return new HeldRead();
            }
            count.add(-1);
            scheduler.aioWait().kick();
            boolean park;
            synchronized (queueLock) {
                park = hasWriter;
                if (park) {
                    readerQueue.add(self);
                }
            }
            if (park) {
                // wrunlock wakes us through our context's bottom halves: they cannot run before this yield.
                Coroutine.yield_();
            }
        }
    }

    private void rdunlock(ReaderCount count) {
        count.add(-1);
        if (writerWaiting) {
            scheduler.aioWait().kick();
        }
    }

    @Override
    @GlobalStateCode
    public Writer wrlock() {
        scheduler.assertMainLoop("bdrv_graph_wrlock");
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("bdrv_graph_wrlock in a coroutine");
        }
        if (writerWaiting) {
            throw new IllegalStateException("bdrv_graph_wrlock: the graph is already write-locked (nested writer)");
        }
        writerWaiting = true;
        drainAllBegin.run();
        try {
            do {
                hasWriter = false;
                scheduler.aioWait().waitWhileUnlocked(null, () -> readerCount() >= 1);
                hasWriter = true;
            } while (readerCount() >= 1);
        } finally {
            drainAllEnd.run();
        }
        return this::wrunlock;
    }

    private void wrunlock() {
        scheduler.assertMainLoop("bdrv_graph_wrunlock");
        List<Coroutine> parked;
        synchronized (queueLock) {
            if (!hasWriter) {
                throw new IllegalStateException("bdrv_graph_wrunlock without the write lock");
            }
            hasWriter = false;
            writerWaiting = false;
            parked = new ArrayList<>(readerQueue);
            readerQueue.clear();
        }
        for (Coroutine co : parked) {
            co.context().wake(co);
        }
    }

    /** The sum of every context's count ({@code reader_count()}); never below zero (B35). */
    public long readerCount() {
        long total = 0;
        for (EventLoop ctx : scheduler.contexts()) {
            total += ctx.graphReaders().get();
        }
        return total + scheduler.orphanedReaders().get();
    }

    public boolean hasWriter() {
        return hasWriter;
    }

    @Override
    public void assertReadable() {
        if (!scheduler.inMainThread() && readerCount() <= 0) {
            throw new IllegalStateException("graph not readable: no read lock held and not in the main loop");
        }
    }

    @Override
    public void assertWritable() {
        if (!scheduler.inMainThread() || !hasWriter) {
            throw new IllegalStateException("graph not writable: the write lock is held only by the main loop");
        }
    }

    private ReaderCount countHere() {
        EventLoop here = EventLoop.currentOrNull();
        return (here != null ? here : scheduler.mainLoop()).graphReaders();
    }

    /** A held read lock: unlocks in whatever context the coroutine runs in by then (B35). */
    private final class HeldRead implements Reader {
        private boolean open = true;

        @Override
        public void close() {
            if (!open) {
                throw new IllegalStateException("graph read lock released twice");
            }
            open = false;
            rdunlock(countHere());
        }
    }
}
