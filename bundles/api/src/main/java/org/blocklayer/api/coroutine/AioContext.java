package org.blocklayer.api.coroutine;

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
}
