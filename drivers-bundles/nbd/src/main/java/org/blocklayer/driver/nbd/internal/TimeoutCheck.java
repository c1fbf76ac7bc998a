package org.blocklayer.driver.nbd.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.Timer;

/**
 * The request timeout of a connection (X5): while requests are in flight, one timer in the watching context looks
 * at their deadlines every quarter of the timeout (10 ms to 1 s), and hands those past it to {@code onExpired}.
 * One timer per connection rather than one per request: cancelled timers would pile up in the context's queue at
 * tens of thousands of requests a second.
 */
final class TimeoutCheck {
    private final long periodNanos;
    private final Supplier<AioContext> home;
    private final Supplier<Collection<NbdRequest>> inFlight;
    private final Consumer<Set<NbdRequest>> onExpired;
    private Timer timer;
    private AioContext armedIn;
    private boolean stopped;

    TimeoutCheck(long timeoutNanos, Supplier<AioContext> home, Supplier<Collection<NbdRequest>> inFlight,
            Consumer<Set<NbdRequest>> onExpired) {
        this.periodNanos = Math.clamp(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(1));
        this.home = home;
        this.inFlight = inFlight;
        this.onExpired = onExpired;
    }

    /** A request went out: make sure a check is coming in the context that watches the connection. */
    void arm() {
        AioContext ctx = home.get();
        if (stopped || ctx == null || (timer != null && armedIn == ctx)) {
            return;
        }
        if (timer != null) {
            // Armed in a context the node has since left: that one will never see the requests of this one.
            timer.cancel();
        }
        Timer[] self = new Timer[1];
        armedIn = ctx;
        self[0] = ctx.after(periodNanos, () -> check(ctx, self[0]));
        timer = self[0];
    }

    /** Cancels the check armed now, if any; the next request arms one again. */
    void disarm() {
        Timer t = timer;
        timer = null;
        armedIn = null;
        if (t != null) {
            t.cancel();
        }
    }

    void stop() {
        stopped = true;
        Timer t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
    }

    private void check(AioContext ctx, Timer self) {
        if (ctx != home.get() || timer != self) {
            // Armed before the node moved (nothing was in flight at the move), or replaced since: not ours to run.
            return;
        }
        timer = null;
        Collection<NbdRequest> requests = inFlight.get();
        if (stopped || requests.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Set<NbdRequest> expired = new HashSet<>();
        for (NbdRequest r : requests) {
            if (now - r.deadline() >= 0) {
                expired.add(r);
            }
        }
        if (expired.isEmpty()) {
            arm();
        } else {
            onExpired.accept(expired);
        }
    }
}
