package org.blocklayer.core.internal.graph;

import org.blocklayer.api.lock.GraphLock;
import org.blocklayer.core.internal.coroutine.Coroutine;

/**
 * The runtime half of the calling rules ({@code @CoroutineFn}, {@code @GraphRdlock}), for {@code assert}
 * statements: free when assertions are off, loud in tests. The build-time half is CoroutineRulesTest.
 */
final class Rules {
    private Rules() {
    }

    /** {@code coroutine_fn} + {@code GRAPH_RDLOCK}: in a coroutine, and the graph readable. */
    static boolean coroutineReader(GraphLock lock, String function) {
        if (!Coroutine.inCoroutine()) {
            throw new AssertionError(function + " is a coroutine function: call it from a coroutine or through"
                    + " its wrapper");
        }
        try {
            lock.assertReadable();
        } catch (IllegalStateException e) {
            throw new AssertionError(function + " needs the graph read lock: " + e.getMessage());
        }
        return true;
    }
}
