package org.blocklayer.api.coroutine;

import java.io.IOException;

import org.blocklayer.api.annotation.CoroutineFn;
import org.osgi.annotation.versioning.ProviderType;

/**
 * QEMU's thread pool ({@code thread_pool_submit_co}): runs a blocking call on a worker thread while the calling
 * coroutine yields, and re-enters that coroutine in its own context when the call returns.
 */
@ProviderType
public interface ThreadPool {

    /** Returns what {@code call} returned, or rethrows what it threw, in the calling coroutine. */
    @CoroutineFn
    <T> T run(BlockingCall<T> call) throws IOException;
}
