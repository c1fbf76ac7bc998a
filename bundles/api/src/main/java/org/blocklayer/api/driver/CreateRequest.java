package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One image creation as the core hands it to a driver's {@link ImageCreation#coCreate}: the arguments of QEMU's
 * {@code bdrv_co_create_opts}, and {@code bdrv_co_create_file} for a format that creates its file through the
 * protocol driver of a filename.
 */
@ProviderType
public interface CreateRequest {

    /** The file to create, as the user named it (a protocol prefix such as {@code file:} included). */
    String filename();

    /**
     * The creation options, {@code size} (in bytes) among them, each checked against its {@link
     * org.blocklayer.api.graph.CreateOption declared type} (sizes and numbers as plain numbers); the driver takes the
     * ones it uses. A fresh copy on every call.
     */
    BlockOptions options();

    /** Where the creation runs (the main loop): blocking calls go to its {@code threadPool()}. */
    AioContext aioContext();

    /**
     * {@code bdrv_co_create_file}: creates {@code filename} with the protocol driver its name selects (a
     * {@code proto:} prefix, else the driver that probes it as its device, else {@code file}), handing it
     * {@code options}. ENOTSUP when that driver cannot create images.
     */
    @CoroutineFn
    void coCreateFile(String filename, BlockOptions options) throws BlockException;
}
