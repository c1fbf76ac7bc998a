package org.blocklayer.api.coroutine;

import org.blocklayer.api.annotation.CoroutineFn;
import org.osgi.annotation.versioning.ProviderType;

/** A mutex for coroutines ({@code CoMutex}): contention yields; only the holder may unlock. */
@ProviderType
public interface CoMutex {
    @CoroutineFn
    void lock();

    @CoroutineFn
    void unlock();
}
