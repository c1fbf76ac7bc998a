package org.blocklayer.api.coroutine;

import java.util.concurrent.Callable;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The coroutine scheduler service: the main loop's context and a way for outside threads (a shell session, a DS
 * callback, an embedding application) to run global-state code in the main loop, as QMP commands run there.
 */
@ProviderType
public interface CoroutineScheduler {

    /** The main loop's context ({@code qemu_get_aio_context}). */
    AioContext mainContext();

    /** The context whose home thread is the caller, else the main context ({@code qemu_get_current_aio_context}). */
    AioContext currentContext();

    /** True inside a coroutine ({@code qemu_in_coroutine}). */
    boolean inCoroutine();

    /**
     * Runs {@code work} in the main loop and returns its result; runs it at once when already there. Exceptions
     * thrown by {@code work} reach the caller unchanged.
     */
    <T> T callInMainLoop(Callable<T> work) throws Exception;

    /**
     * {@code qemu_coroutine_create} + {@code aio_co_enter}: runs {@code body} as a new coroutine in {@code ctx}, at
     * once when the caller is that context's thread outside a coroutine, else soon.
     */
    void start(AioContext ctx, Runnable body);

    /**
     * A generated {@code co_wrapper_mixed} ({@code bdrv_poll_co}): inside a coroutine, calls {@code body} directly;
     * outside, runs it as a new coroutine in {@code ctx} and returns what it returned (or throws what it threw). An
     * event-loop thread polls its loop meanwhile ({@code AIO_WAIT_WHILE}), so its other coroutines, bottom halves and
     * sockets keep being served; any other thread blocks until the coroutine is done. For a driver's global-state
     * code that must wait for I/O, as {@code nbd_open} waits for its connection thread.
     *
     * @since 1.1
     */
    <T> T coWrapperMixed(AioContext ctx, CoFunction<T> body) throws BlockException;

    /** A handle that wakes the calling coroutine once it has yielded ({@code qemu_coroutine_self}). */
    @CoroutineFn
    Wakeup self();

    /** {@code qemu_coroutine_yield}: returns when someone wakes this coroutine through its {@link Wakeup}. */
    @CoroutineFn
    void yieldNow();

    /** {@code qemu_co_sleep_ns}. */
    @CoroutineFn
    void sleep(long nanos);

    /** A new {@code CoMutex}. */
    CoMutex newMutex();

    /** A new {@code CoQueue}. */
    CoQueue newQueue();
}
