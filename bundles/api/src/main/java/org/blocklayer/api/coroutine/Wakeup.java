package org.blocklayer.api.coroutine;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle on a coroutine that is about to yield, for whoever will wake it ({@code aio_co_wake}). Waking from any
 * thread is safe: the coroutine is re-entered in its own context, after it has yielded.
 */
@ProviderType
public interface Wakeup {
    void wake();
}
