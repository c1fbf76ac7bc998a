package org.blocklayer.itests.bench;

import java.util.concurrent.CompletableFuture;

import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;

/** Runs a body in a new coroutine scheduled into a context ({@code aio_co_schedule}); a future gets its outcome. */
final class CoTask {
    private CoTask() {
    }

    /** A coroutine body with a result. */
    @FunctionalInterface
    interface Body<T> {
        T call() throws Exception;
    }

    static <T> CompletableFuture<T> schedule(EventLoop ctx, Body<T> body) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        ctx.scheduleCoroutine(Coroutine.create(() -> {
            try {
                outcome.complete(body.call());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        }));
        return outcome;
    }
}
