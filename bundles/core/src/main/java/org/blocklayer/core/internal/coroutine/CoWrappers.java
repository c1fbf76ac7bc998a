package org.blocklayer.core.internal.coroutine;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.lock.GraphLock;

/**
 * The generated coroutine wrappers of {@code block/block-gen.c} (docs/devel/block-coroutine-wrapper.rst), written
 * once: each turns a coroutine function into something callable from outside a coroutine.
 *
 * <ul>
 * <li>{@link #wrapper}: {@code co_wrapper}; outside a coroutine only (B24).</li>
 * <li>{@link #mixed}: {@code co_wrapper_mixed}; inline inside a coroutine (B22), else as {@code wrapper} (B23).</li>
 * <li>{@link #wrapperRdlock}, {@link #mixedRdlock}: the {@code _bdrv_rdlock} variants; the new coroutine holds the
 * graph read lock around the body, the inline path takes none (B26).</li>
 * </ul>
 * Outside a coroutine the body runs in a new coroutine entered in {@code ctx} (the first argument's context, B25),
 * and the caller polls until it is done (B23, B27). A thread that is no event loop hands the coroutine to the
 * context and blocks until it is done. Results and exceptions reach the caller unchanged.
 */
public final class CoWrappers {
    private CoWrappers() {
    }

    public static <T> T wrapper(EventLoop ctx, CoFn<T> body) throws BlockException {
        requireOutsideCoroutine();
        return poll(ctx, null, null, body);
    }

    public static <T> T mixed(EventLoop ctx, CoFn<T> body) throws BlockException {
        return Coroutine.inCoroutine() ? body.call() : poll(ctx, null, null, body);
    }

    public static <T> T wrapperRdlock(EventLoop ctx, GraphLock lock, CoFn<T> body) throws BlockException {
        requireOutsideCoroutine();
        return poll(ctx, lock, null, body);
    }

    public static <T> T mixedRdlock(EventLoop ctx, GraphLock lock, CoFn<T> body) throws BlockException {
        return Coroutine.inCoroutine() ? body.call() : poll(ctx, lock, null, body);
    }

    /**
     * {@link #mixedRdlock} whose new coroutine first runs {@code gate} without the lock: where QEMU's BlockBackend
     * holds a request back ({@code blk_wait_while_drained}) before the request takes the graph lock.
     */
    public static <T> T mixedRdlock(EventLoop ctx, GraphLock lock, CoFn<Void> gate, CoFn<T> body)
            throws BlockException {
        return Coroutine.inCoroutine() ? body.call() : poll(ctx, lock, gate, body);
    }

    private static void requireOutsideCoroutine() {
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("co_wrapper called in a coroutine: call the coroutine function directly");
        }
    }

    /** {@code bdrv_poll_co}: create, enter in ctx, wait while in progress. */
    private static <T> T poll(EventLoop ctx, GraphLock lock, CoFn<Void> gate, CoFn<T> body)
            throws BlockException {
        Scheduler scheduler = ctx.scheduler();
        if (EventLoop.currentOrNull() == null) {
            return fromOutside(ctx, lock, gate, body);
        }
        Call<T> call = new Call<>();
        Coroutine co = Coroutine.create(() -> {
            try {
                call.result = runBody(lock, gate, body);
            } catch (Throwable t) {
                call.failure = t;
            } finally {
                call.inProgress = false;
                scheduler.aioWait().kick();
            }
        });
        ctx.coEnter(co);
        scheduler.aioWait().waitWhile(ctx, () -> call.inProgress);
        return call.get();
    }

    /**
     * A thread that is no event loop (a shell session, an application) cannot poll a context; it hands the coroutine
     * to the context's thread and blocks until the coroutine completes its future. It must not poll from inside a
     * main-loop task either: concurrent callers would nest their waits and finish last-in, first-out.
     */
    private static <T> T fromOutside(EventLoop ctx, GraphLock lock, CoFn<Void> gate, CoFn<T> body)
            throws BlockException {
        java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
        Coroutine co = Coroutine.create(() -> {
            try {
                done.complete(runBody(lock, gate, body));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        // Entered from a bottom half: on the context's thread, outside any coroutine, under the context lock.
        ctx.schedule(() -> ctx.coEnter(co));
        try {
            return done.get();
        } catch (InterruptedException e) {
            // The caller gave up (Ctrl-C in the shell); the coroutine still runs to its end in its context.
            Thread.currentThread().interrupt();
            throw new BlockException(Errno.ECANCELED, "interrupted while waiting for a request in " + ctx);
        } catch (java.util.concurrent.ExecutionException e) {
            throw Rethrow.as(e.getCause(), BlockException.class);
        }
    }

    /** What a wrapper's new coroutine runs: the gate without the lock, then the body under the read lock if any. */
    @CoroutineFn
    private static <T> T runBody(GraphLock lock, CoFn<Void> gate, CoFn<T> body) throws BlockException {
        if (gate != null) {
            gate.call();
        }
        if (lock == null) {
            return body.call();
        }
        try (GraphLock.Reader r = lock.coRdlock()) {
            return body.call();
        }
    }

    /** The state a wrapper shares with its coroutine ({@code BdrvPollCo}). */
    private static final class Call<T> {
        volatile boolean inProgress = true;
        T result;
        Throwable failure;

        T get() throws BlockException {
            if (failure == null) {
                return result;
            }
            throw Rethrow.as(failure, BlockException.class);
        }
    }
}
