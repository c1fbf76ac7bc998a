package org.blocklayer.core.internal.graph;

import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.core.internal.coroutine.AioWait;
import org.blocklayer.core.internal.coroutine.CoQueue;

/**
 * What block/io.c keeps on each node for drained sections: {@code bs->quiesce_counter}, {@code bs->in_flight}, and
 * the requests of backends held back until the section ends ({@code blk_wait_while_drained}). {@link Drain} opens
 * and closes the sections; the request paths count themselves in and out here.
 */
final class DrainState {
    private final AioWait aioWait;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CoQueue drainedWaiters = new CoQueue();
    /**
     * How many drained sections cover the node. Written in the main loop only; read by backends' requests in the
     * node's context, which wait while it is above zero.
     */
    private volatile int quiesceCounter;

    DrainState(AioWait aioWait) {
        this.aioWait = aioWait;
    }

    /** Adds {@code delta} to the quiesce counter and returns the new value; main loop only. */
    int quiesce(int delta) {
        quiesceCounter += delta;
        return quiesceCounter;
    }

    int quiesceCounter() {
        return quiesceCounter;
    }

    /** Requests in flight on the node. */
    int inFlight() {
        return inFlight.get();
    }

    /** {@code bdrv_inc_in_flight}. */
    void incInFlight() {
        inFlight.incrementAndGet();
    }

    /** {@code bdrv_dec_in_flight}: the last request out wakes whoever drains. */
    void decInFlight() {
        inFlight.decrementAndGet();
        aioWait.kick();
    }

    /** Lets requests that waited for the end of a drained section go on. */
    void wakeDrainedWaiters() {
        drainedWaiters.restartAll();
    }

    /**
     * {@code blk_wait_while_drained}'s wait: yields while a drained section covers the node. The check and the wait
     * are one step against {@link #wakeDrainedWaiters()}, so no wakeup is lost.
     */
    @CoroutineFn
    void coWaitWhileDrained() {
        drainedWaiters.coWaitIf(() -> quiesceCounter > 0);
    }

    /** Requests of backends waiting for the drained section to end; for tests and {@code block:info}. */
    boolean hasDrainedWaiters() {
        return !drainedWaiters.isEmpty();
    }
}
