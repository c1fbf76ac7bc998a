package org.blocklayer.core.internal.coroutine;

import java.io.IOException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.BlockingCall;
import org.blocklayer.api.coroutine.ThreadPool;

/**
 * QEMU's thread pool ({@code util/thread-pool.c}): worker threads for blocking system calls. The calling coroutine
 * yields; the worker's result is handed back by re-entering the coroutine in the context it was running in.
 */
final class WorkerPool implements ThreadPool {
    /** QEMU's default {@code thread-pool-max}. */
    private static final int MAX_WORKERS = 64;

    private final ThreadPoolExecutor executor;

    WorkerPool() {
        AtomicInteger ids = new AtomicInteger();
        executor = new ThreadPoolExecutor(0, MAX_WORKERS, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "blocklayer-worker-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    @CoroutineFn
    public <T> T run(BlockingCall<T> call) throws IOException {
        Coroutine co = Coroutine.current();
        if (co == null) {
            throw new IllegalStateException("ThreadPool.run must be called from a coroutine");
        }
        EventLoop ctx = co.context();
        if (ctx == null) {
            throw new IllegalStateException("ThreadPool.run needs a coroutine running in an AioContext");
        }
        Outcome<T> outcome = new Outcome<>();
        executor.execute(() -> {
            try {
                outcome.value = call.call();
            } catch (Throwable t) {
                outcome.failure = t;
            }
            // The context's thread is busy running co until it yields, so this entry always comes after the yield.
            ctx.scheduleCoroutine(co);
        });
        Coroutine.yield_();
        return outcome.get();
    }

    void shutdown() {
        executor.shutdown();
    }

    /** What a worker produced; published to the coroutine through the context's bottom-half queue. */
    private static final class Outcome<T> {
        T value;
        Throwable failure;

        T get() throws IOException {
            if (failure == null) {
                return value;
            }
            throw Rethrow.as(failure, IOException.class);
        }
    }
}
