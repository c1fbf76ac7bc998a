package org.blocklayer.api.coroutine;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;

/** A coroutine function with its result: the body of a {@code co_wrapper} (see CoroutineScheduler#coWrapperMixed). */
@FunctionalInterface
public interface CoFunction<T> {
    @CoroutineFn
    T call() throws BlockException;
}
