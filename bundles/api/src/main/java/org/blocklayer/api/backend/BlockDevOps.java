package org.blocklayer.api.backend;

import org.blocklayer.api.coroutine.AioContext;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What the user of a BlockBackend hears of its node ({@code BlockDevOps} of block-backend.c, with the two callbacks
 * of {@code blk_add_aio_context_notifier}): drained sections, and moves to another AioContext. A user with work of its
 * own in the node's context (an NBD export's client connections) stops taking new work while drained, tells the drain
 * what is still running, and follows the node when it moves. Every callback has a default that does nothing.
 */
@ConsumerType
public interface BlockDevOps {

    /**
     * {@code drained_begin}: the node enters a drained section; take no new work until {@link #drainedEnd}. Called
     * in the main loop, or in the node's context; must not wait.
     */
    default void drainedBegin() {
    }

    /**
     * {@code drained_poll}: true while work of the user's own that the drain must wait for is still running (the
     * drain polls until it is false). Called from the polling thread, any thread: answer from thread-safe state.
     */
    default boolean drainedPoll() {
        return false;
    }

    /** {@code drained_end}: the section is over; work may resume (in the node's context, which may have changed). */
    default void drainedEnd() {
    }

    /**
     * {@code detach_aio_context}: the node is about to leave {@code old}. Called in {@code old}'s thread, the node
     * drained; stop watching anything from that context.
     */
    default void detachAioContext(AioContext old) {
    }

    /**
     * {@code attached_aio_context}: the node now lives in {@code ctx}. Called in {@code ctx}'s thread, the node still
     * drained; watch from there from now on.
     */
    default void attachedAioContext(AioContext ctx) {
    }
}
