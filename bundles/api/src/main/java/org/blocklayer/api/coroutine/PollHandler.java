package org.blocklayer.api.coroutine;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Work an event loop does in every iteration without a channel to wake it: QEMU's {@code io_poll} callbacks of
 * {@code aio_set_fd_handler}, with {@code io_poll_begin}/{@code io_poll_end} as {@link #prepareSleep()} and
 * {@link #wokeUp()}. An io_uring ring is the case it exists for: its submissions are gathered during an iteration and
 * submitted together in {@link #poll()}, which also reaps the completions that are there already. All methods run
 * on the context's home thread.
 *
 * @since 1.2
 */
@ConsumerType
public interface PollHandler {

    /**
     * Submits what was queued and handles what completed; true when it handled anything, so the loop polls again
     * instead of sleeping. Called once per iteration, and again after every sleep.
     */
    boolean poll();

    /**
     * The loop is about to sleep: arm whatever wakes it (a kick from another thread) and answer false when there is
     * work already, in which case the loop does not sleep. The default has nothing to arm.
     */
    default boolean prepareSleep() {
        return true;
    }

    /** The sleep that {@link #prepareSleep()} allowed has ended: disarm. */
    default void wokeUp() {
    }

    /** The context ends (its iothread was deleted, or the scheduler stops): release what the handler holds. */
    default void contextEnded() {
    }
}
