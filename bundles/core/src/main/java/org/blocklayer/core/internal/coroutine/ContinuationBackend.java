package org.blocklayer.core.internal.coroutine;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * Coroutines as JDK continuations: the only class of blocklayer that touches {@code jdk.internal.vm}. Nested
 * continuations of one scope nest like QEMU coroutines entered from coroutines: yield suspends the innermost.
 */
final class ContinuationBackend implements CoroutineBackend {
    private static final ContinuationScope SCOPE = new ContinuationScope("blocklayer-coroutine");

    /**
     * The continuation is the stack and knows its coroutine: the JDK already tracks which continuation runs on a
     * thread (its mounted chain), so the running coroutine is read from there instead of a thread-local kept beside
     * it, and a coroutine costs two objects (itself and this) before its first yield.
     */
    private static final class ContinuationStack extends Continuation implements Stack {
        private final Coroutine owner;

        ContinuationStack(Coroutine owner, Runnable body) {
            super(SCOPE, body);
            this.owner = owner;
        }

        @Override
        public void resume() {
            run();
        }
    }

    @Override
    public Stack create(Coroutine owner, Runnable body) {
        return new ContinuationStack(owner, body);
    }

    @Override
    public Coroutine current() {
        return Continuation.getCurrentContinuation(SCOPE) instanceof ContinuationStack s ? s.owner : null;
    }

    @Override
    public void suspend() {
        if (Continuation.getCurrentContinuation(SCOPE) == null) {
            throw new IllegalStateException("Co-routine is yielding to no one");
        }
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
