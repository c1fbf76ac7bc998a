package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.IoCode;
import org.blocklayer.api.coroutine.AioContext;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_detach_aio_context}, {@code bdrv_attach_aio_context}): hears its node move to
 * another AioContext, to move along what it keeps registered in one (fd handlers, timers). For every node a move
 * takes, the core calls {@link #detachAioContext} before the move and {@link #attachAioContext} after it, each in
 * the home thread of the context it names, and waits for each. The node is drained from before the detach until
 * after the attach, so no request of it runs in between.
 */
@ConsumerType
public interface AioContextAttach {

    /**
     * {@code bdrv_detach_aio_context}: the node leaves {@code bs.aioContext()}; runs in that context's thread, so
     * the driver can remove what it registered there. Must not fail.
     */
    @IoCode
    void detachAioContext(DriverNode bs);

    /**
     * {@code bdrv_attach_aio_context}: the node now lives in {@code newContext} ({@code bs.aioContext()} is it);
     * runs in that context's thread, so the driver can register there. Must not fail.
     */
    @IoCode
    void attachAioContext(DriverNode bs, AioContext newContext);
}
