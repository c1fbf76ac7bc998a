package org.blocklayer.core.internal.coroutine;

import java.util.List;

import org.blocklayer.api.error.BlockException;

/**
 * The process's event loops as the graph and its lock use them (QEMU's main-loop.h and iothread.c): the main loop's
 * context and every iothread's, the global-state checks, {@code global_aio_wait}, and calls into the main loop.
 * Core's {@link Scheduler} provides it as a service, next to the public {@code CoroutineScheduler}.
 */
public interface EventLoops {

    /** {@code qemu_get_aio_context}. */
    EventLoop mainLoop();

    /** Every context, the main loop's first; the graph lock sums their reader counts. */
    List<EventLoop> contexts();

    /** Starts an iothread with a context of its own ({@code iothread_new}); names must be unique. */
    EventLoop createIoThread(String name);

    /** Stops an iothread; its context leaves {@link #contexts()}, its graph readers move to the orphan count (B35). */
    void destroyIoThread(EventLoop ctx);

    /** Graph readers counted in contexts since deleted ({@code orphaned_reader_count}, B35). */
    ReaderCount orphanedReaders();

    /** {@code AIO_WAIT_WHILE} and {@code aio_wait_kick} on {@code global_aio_wait}. */
    AioWait aioWait();

    /** True in the main loop's thread ({@code qemu_in_main_thread}). */
    boolean inMainThread();

    /** Fails unless called in the main loop ({@code GLOBAL_STATE_CODE()}); {@code what} names the caller. */
    void assertMainLoop(String what);

    /**
     * Runs {@code work} in the main loop, at its top level, and returns its result; at once when already there.
     * BlockExceptions and runtime exceptions reach the caller unchanged.
     */
    <T> T inMainLoop(CoFn<T> work) throws BlockException;
}
