package org.blocklayer.api.driver;

import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.CreateOption;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_create_opts} with its {@code create_opts}): creates a new image. The core
 * ({@code bdrv_img_create}, {@code block:create}) accepts the options that the format driver and the protocol
 * driver of the filename declare together, checks their values, and calls the format driver; a format driver
 * creates its file through {@link CreateRequest#coCreateFile}, as raw does.
 */
@ConsumerType
public interface ImageCreation {

    /** {@code create_opts}: the options {@link #coCreate} understands, {@link CreateOption#SIZE} among them. */
    List<CreateOption> createOptions();

    /**
     * {@code bdrv_co_create_opts}: creates {@code request.filename()} as an image of this format with the request's
     * options. An existing file is truncated and created again, as QEMU does. Runs in a coroutine in the main loop.
     */
    @CoroutineFn
    void coCreate(CreateRequest request) throws BlockException;
}
