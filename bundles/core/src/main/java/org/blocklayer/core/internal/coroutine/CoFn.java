package org.blocklayer.core.internal.coroutine;

import org.blocklayer.api.error.BlockException;

/** The body of a co-wrapper: a coroutine function's call, with its result. */
@FunctionalInterface
public interface CoFn<T> {
    T call() throws BlockException;
}
