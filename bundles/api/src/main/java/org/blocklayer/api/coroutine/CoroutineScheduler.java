package org.blocklayer.api.coroutine;

import java.util.concurrent.Callable;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The coroutine scheduler service: the main loop's context and a way for outside threads (a shell session, a DS
 * callback, an embedding application) to run global-state code in the main loop, as QMP commands run there.
 */
@ProviderType
public interface CoroutineScheduler {

    /** The main loop's context ({@code qemu_get_aio_context}). */
    AioContext mainContext();

    /** The context whose home thread is the caller, else the main context ({@code qemu_get_current_aio_context}). */
    AioContext currentContext();

    /** True inside a coroutine ({@code qemu_in_coroutine}). */
    boolean inCoroutine();

    /**
     * Runs {@code work} in the main loop and returns its result; runs it at once when already there. Exceptions
     * thrown by {@code work} reach the caller unchanged.
     */
    <T> T callInMainLoop(Callable<T> work) throws Exception;
}
