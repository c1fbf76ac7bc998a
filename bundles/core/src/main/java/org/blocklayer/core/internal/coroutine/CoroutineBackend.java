package org.blocklayer.core.internal.coroutine;

/**
 * How a coroutine's stack is kept while it is suspended ({@code util/coroutine-ucontext.c} and friends). The
 * backend only runs and suspends bodies; the rules (who may enter, where, when) live in {@link Coroutine}.
 */
interface CoroutineBackend {

    /** A suspended or running body. */
    interface Stack {
        /**
         * Runs the body on the calling thread until it yields or ends; a throwable that escapes the body is thrown
         * here, once the body has ended.
         */
        void resume();

        boolean isDone();
    }

    /** A stack that runs {@code body}, for {@code owner}: {@link #current()} returns {@code owner} while it runs. */
    Stack create(Coroutine owner, Runnable body);

    /** The coroutine whose body runs innermost on the calling thread ({@code qemu_coroutine_self}), or null. */
    Coroutine current();

    /**
     * Suspends the innermost running body; {@link Stack#resume()} returns in the thread that resumed it. Outside a
     * body: {@link IllegalStateException}, "Co-routine is yielding to no one" (QEMU aborts).
     */
    void suspend();

    String name();

    /** System property that forces a backend: {@code continuation} or {@code virtual}. */
    String PROPERTY = "blocklayer.coroutine.backend";

    /**
     * The backend named by {@link #PROPERTY}, else continuations when {@code jdk.internal.vm} is open to us, else
     * virtual threads (said once in the log, see {@link #fallbackWarning}).
     */
    static CoroutineBackend select() {
        return select(System.getProperty(PROPERTY, ""), ContinuationProbe.whyUnavailable());
    }

    /** {@link #select()} for a given property value and probe answer (null: continuations usable). */
    static CoroutineBackend select(String forced, String unavailable) {
        switch (forced) {
            case "virtual":
                return new VirtualThreadBackend();
            case "continuation":
                if (unavailable != null) {
                    throw new IllegalStateException(PROPERTY + "=continuation, but " + unavailable + ": start the"
                            + " JVM with --add-exports java.base/jdk.internal.vm=ALL-UNNAMED and, inside OSGi, the"
                            + " framework property org.osgi.framework.bootdelegation=jdk.internal.vm");
                }
                return new ContinuationBackend();
            case "":
                break;
            default:
                throw new IllegalArgumentException(PROPERTY + " must be 'continuation' or 'virtual', not '" + forced
                        + "'");
        }
        if (unavailable == null) {
            return new ContinuationBackend();
        }
        return new VirtualThreadBackend();
    }

    /**
     * What the log says once when {@link #select} fell back to virtual threads by itself (not when the property
     * asked for them), or null. The scheduler logs it: selection runs before any Logger is bound.
     */
    static String fallbackWarning() {
        return fallbackWarning(System.getProperty(PROPERTY, ""), ContinuationProbe.whyUnavailable());
    }

    /** {@link #fallbackWarning()} for a given property value and probe answer. */
    static String fallbackWarning(String forced, String unavailable) {
        if (unavailable == null || !forced.isEmpty()) {
            return null;
        }
        return "coroutines run on virtual threads, about 100 times slower per switch than continuations, because "
                + unavailable + ". For the fast backend start the JVM with --add-exports"
                + " java.base/jdk.internal.vm=ALL-UNNAMED and, inside OSGi, set"
                + " org.osgi.framework.bootdelegation=jdk.internal.vm";
    }
}
