package org.blocklayer.core.internal.coroutine;

/**
 * How a coroutine's stack is kept while it is suspended ({@code util/coroutine-ucontext.c} and friends). The
 * backend only runs and suspends bodies; the rules (who may enter, where, when) live in {@link Coroutine}.
 */
interface CoroutineBackend {

    /** A suspended or running body. */
    interface Stack {
        /** Runs the body on the calling thread until it yields or ends. */
        void resume();

        boolean isDone();
    }

    Stack create(Runnable body);

    /** Suspends the innermost running body; {@link Stack#resume()} returns in the thread that resumed it. */
    void suspend();

    String name();

    /** The best backend this JVM allows: continuations when {@code jdk.internal.vm} is open to us. */
    static CoroutineBackend select() {
        String unavailable = ContinuationProbe.whyUnavailable();
        if (unavailable != null) {
            throw new IllegalStateException("blocklayer needs jdk.internal.vm.Continuation: " + unavailable
                    + ". Start the JVM with --add-exports java.base/jdk.internal.vm=ALL-UNNAMED and, inside OSGi,"
                    + " the framework property org.osgi.framework.bootdelegation=jdk.internal.vm");
        }
        return new ContinuationBackend();
    }
}
