package org.blocklayer.core.internal.coroutine;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.blocklayer.core.internal.log.CoreLog;

/**
 * Reports, once per stall, an AioContext whose thread has not come back to its loop for longer than a threshold
 * (X5), with that thread's stack: the usual cause is a callback or a coroutine that blocks instead of yielding.
 * Vert.x's blocked-thread checker does the same for its event loops.
 */
final class Watchdog {
    private final Scheduler scheduler;
    private final CoreLog log;
    private final long thresholdNanos;
    private final Map<EventLoop, Long> reported = new ConcurrentHashMap<>();
    private final AtomicLong stalls = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;

    Watchdog(Scheduler scheduler, long thresholdMillis, CoreLog log) {
        this.scheduler = scheduler;
        this.log = log;
        this.thresholdNanos = TimeUnit.MILLISECONDS.toNanos(thresholdMillis);
        this.thread = new Thread(this::run, "blocklayer-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stalls reported so far. */
    long stalls() {
        return stalls.get();
    }

    void stop() {
        stopping = true;
        thread.interrupt();
    }

    private void run() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), thresholdNanos / 4);
        while (!stopping) {
            try {
                TimeUnit.NANOSECONDS.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            check(System.nanoTime());
        }
    }

    void check(long now) {
        for (EventLoop ctx : scheduler.contexts()) {
            long since = ctx.busySince();
            if (since == 0 || now - since < thresholdNanos) {
                continue;
            }
            // One report per stall: a stall is identified by the moment its dispatch began.
            Long previous = reported.put(ctx, since);
            if (previous != null && previous == since) {
                continue;
            }
            stalls.incrementAndGet();
            Thread home = ctx.home();
            String stack = home == null ? "" : Arrays.stream(home.getStackTrace())
                    .map(f -> "\n    at " + f).collect(Collectors.joining());
            log.warn("{} has not returned to its event loop for {} ms (threshold {}"
                    + " ms): a callback or coroutine is blocking its thread{}", ctx,
                    TimeUnit.NANOSECONDS.toMillis(now - since), TimeUnit.NANOSECONDS.toMillis(thresholdNanos), stack);
        }
    }
}
