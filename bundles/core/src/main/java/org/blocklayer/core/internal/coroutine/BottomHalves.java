package org.blocklayer.core.internal.coroutine;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One context's list of one-shot bottom halves ({@code QEMUBH} on {@code ctx->bh_list}, run by {@code aio_bh_poll}).
 * Any thread may queue one; only the context's thread runs them. Waking that thread is the loop's business.
 */
final class BottomHalves {
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();

    /** {@code aio_bh_schedule_oneshot}, without the {@code aio_notify}. */
    void schedule(Runnable bottomHalf) {
        queue.add(bottomHalf);
    }

    /**
     * {@code aio_bh_poll}: runs the bottom halves queued when it starts and returns whether any ran. One queued
     * meanwhile, even by a bottom half rescheduling itself, waits for the next poll, so it cannot starve I/O.
     */
    boolean poll() {
        boolean progress = false;
        for (int n = queue.size(); n > 0; n--) {
            Runnable bh = queue.poll();
            if (bh == null) {
                break;
            }
            progress = true;
            bh.run();
        }
        return progress;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }
}
