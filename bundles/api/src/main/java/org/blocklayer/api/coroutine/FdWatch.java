package org.blocklayer.api.coroutine;

import org.osgi.annotation.versioning.ProviderType;

/** A channel watched by an AioContext ({@code aio_set_fd_handler}); change or drop its callbacks here. */
@ProviderType
public interface FdWatch {

    /** Replaces the callbacks; null means not interested. Home thread only. */
    void set(Runnable onReadable, Runnable onWritable);

    /** Stops watching ({@code aio_set_fd_handler(ctx, fd, NULL, NULL, ...)}). Home thread only. */
    void remove();
}
