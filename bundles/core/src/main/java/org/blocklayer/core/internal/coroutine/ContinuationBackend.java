package org.blocklayer.core.internal.coroutine;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * Coroutines as JDK continuations: the only class of blocklayer that touches {@code jdk.internal.vm}. Nested
 * continuations of one scope nest like QEMU coroutines entered from coroutines: yield suspends the innermost.
 */
final class ContinuationBackend implements CoroutineBackend {
    private static final ContinuationScope SCOPE = new ContinuationScope("blocklayer-coroutine");

    @Override
    public Stack create(Runnable body) {
        Continuation continuation = new Continuation(SCOPE, body);
        return new Stack() {
            @Override
            public void resume() {
                continuation.run();
            }

            @Override
            public boolean isDone() {
                return continuation.isDone();
            }
        };
    }

    @Override
    public void suspend() {
        if (!Continuation.yield(SCOPE)) {
            throw new IllegalStateException("coroutine could not yield: its stack is pinned (a native frame or a"
                    + " critical section is on it)");
        }
    }

    @Override
    public String name() {
        return "continuation";
    }
}
