package org.blocklayer.api.coroutine;

import org.blocklayer.api.annotation.CoroutineFn;
import org.osgi.annotation.versioning.ProviderType;

/** Coroutines waiting for something ({@code CoQueue}). */
@ProviderType
public interface CoQueue {

    /** {@code qemu_co_queue_wait}. */
    @CoroutineFn
    void coWait();

    /** {@code qemu_co_queue_next}: wakes the first waiter; false when there was none. */
    boolean next();

    /** {@code qemu_co_queue_restart_all}. */
    void restartAll();
}
