package org.blocklayer.api.coroutine;

import java.nio.channels.SelectableChannel;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An event loop owned by one thread (QEMU's {@code AioContext}): the main loop has one, each iothread has its own.
 * Every node lives in one; its coroutines run on that context's thread.
 */
@ProviderType
public interface AioContext {

    /** "main" for the main loop, the iothread's id otherwise. */
    String name();

    /** True when the calling thread is this context's home thread ({@code in_aio_context_home_thread}). */
    boolean isCurrent();

    /** Runs {@code bottomHalf} once on this context's thread, soon ({@code aio_bh_schedule_oneshot}). */
    void schedule(Runnable bottomHalf);

    /** The worker pool whose results come back to this context ({@code aio_get_thread_pool}). */
    ThreadPool threadPool();

    /**
     * {@code aio_set_fd_handler}: calls the callbacks on this context's thread while {@code channel} (non-blocking)
     * is readable or writable; null means not interested. Readable is POLLIN: data to read, or for a listening
     * channel a connection to accept. Home thread only.
     */
    FdWatch watch(SelectableChannel channel, Runnable onReadable, Runnable onWritable);

    /** {@code timer_new_ns} + {@code timer_mod}: runs {@code callback} here once {@code delayNanos} have passed. */
    Timer after(long delayNanos, Runnable callback);

    /**
     * Polls {@code handler} in every iteration of this loop until {@link #removePollHandler} or the context ends
     * (then {@link PollHandler#contextEnded()}). Home thread only.
     *
     * @throws UnsupportedOperationException where the context runs no loop of its own (a test double)
     * @since 1.2
     */
    void addPollHandler(PollHandler handler);

    /**
     * Stops polling {@code handler}; home thread only.
     *
     * @since 1.2
     */
    void removePollHandler(PollHandler handler);

    /**
     * The scheduler that runs this context's coroutines, for code that waits in a coroutine on something it
     * completes itself ({@code qemu_coroutine_self} and {@code qemu_coroutine_yield} around an io_uring request).
     *
     * @since 1.2
     */
    CoroutineScheduler scheduler();
}
